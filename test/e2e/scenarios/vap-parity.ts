/**
 * ztgate's rules claim ValidatingAdmissionPolicy's CEL. Here kube-apiserver judges it: one list of
 * validations, installed both as a ValidatingAdmissionPolicy (validationActions: Warn, bound to one
 * namespace) and as a ZeroTrustRule in warn mode, and the same dry-run Pods sent through both. Warn on
 * both sides lets one request pass through the policy and reach the webhook, so kubectl prints both
 * verdicts for the same object: for every Pod, the validations the API server says fail must be the ones
 * ztgate says fail, and the ones the table expects (so that two sides failing alike cannot pass).
 * The expressions lean on CEL's optional syntax (`.?`, `[?]`), which ztgate rewrites for its parser, on
 * Kubernetes' semver library, on two-variable comprehensions and on cel-go's optional library (`optMap`,
 * `optFlatMap`, `first`, `last`, `unwrapOpt`, optional entries in literals), which ztgate expands and
 * evaluates itself, and on cel-go's `format`, which writes doubles through golang.org/x/text. Some validations
 * build their message from the values those compute, so the two sides' messages
 * are compared word for word, and against the table. (cel-go's lists extension is not here: kube-apiserver
 * 1.34 accepts it only in expressions it stored before, as docs/rules.md says.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { E2E } from '../harness/env.js';
import { assertAdmitted, warningLines } from '../harness/expect.js';
import { pod, podPolicy, warnBinding, warnRule, type Json, type PodOptions } from '../harness/objects.js';
import { pollUntil } from '../harness/processes.js';

const NAME = 'e2e-vap-parity';
/** Both sides learn of a new policy by a watch. */
const PICKUP_MS = 30_000;
const PROBE_LABEL = 'e2e.ztgate.io/parity-probe';

/** A Pod's claimed version, read leniently (a "v" and a short form allowed); 1.2.0 when it claims none. */
const VERSION = "object.metadata.?annotations[?'e2e/version'].orValue('1.2.0')";
const RELEASE = "object.metadata.?labels[?'e2e/release'].orValue('1.0.0')";

/** `e2e/list-` labels as `<key>=<value>` (the part after `e2e/list-`); a map's order is not defined, so only the least and greatest are shown. */
const LISTED = "object.metadata.labels.transformList(k, v, k.startsWith('e2e/list-'), k.substring(9) + '=' + v)";
const SIZES = "object.metadata.?annotations.orValue({}).transformMap(k, v, k.startsWith('e2e/size-'), v.size())";
const LONG_SIZES = `${SIZES}.transformList(k, n, n > 3, k + ':' + string(n))`;
const LETTERS = "?object.metadata.?labels[?'e2e/a'], ?object.metadata.?labels[?'e2e/b']";
const NICKNAME = "object.metadata.?labels[?'e2e/nickname']";
const RUN_AS = 'object.spec.containers.map(c, c.?securityContext.?runAsUser)';
// The optional's orValue types the computed key as a string: a plain index is dyn, which Kubernetes refuses beside 'two'.
const KEYED = "{object.metadata.?labels[?'e2e/key'].orValue(''): 'first', 'two': 'second'}";
const ANNOTATION = 'object.metadata.annotations';
/** Fails only for a Pod with this annotation. */
const annotated = (key: string) => `!('${key}' in object.metadata.?annotations.orValue({}))`;

interface Validation {
  expression: string;
  /** Appended to `'case <index>: '` as the validation's messageExpression. */
  detail?: string;
}

/**
 * Each validation fails with the message `case <index>`, or `case <index>: <detail>` when it has a
 * detail; the probe's only fails on the probe Pod.
 */
const VALIDATIONS: (string | Validation)[] = [
  `!has(object.metadata.labels) || !('${PROBE_LABEL}' in object.metadata.labels)`,
  "object.metadata.?labels[?'team'].orValue('') != 'forbidden'",
  "object.metadata.?annotations[?'e2e/mode'].or(object.metadata.?labels[?'e2e/mode']).orValue('none') != 'bad'",
  'object.spec.containers.all(c, c.?securityContext.?readOnlyRootFilesystem.orValue(false) == false)',
  "object.spec.containers[?1].?name.orValue('') != 'second'",
  "!has(object.metadata.?annotations.owner) || object.metadata.annotations.owner != ''",
  'object.spec.?securityContext.?runAsNonRoot.orValue(true) == true',
  "object.metadata.?labels.?app.orValue('') == '' || object.metadata.labels.app.startsWith('web')",
  // Kubernetes' semver library: normalising and strict parsing, precedence, and equality without build metadata.
  `!isSemver(${VERSION}, true) || !semver(${VERSION}, true).isLessThan(semver('1.2.0'))`,
  `isSemver(${VERSION}, true)`,
  `isSemver(${RELEASE})`,
  `!isSemver(${VERSION}, true) || semver(${VERSION}, true) != semver('1.3.0+build.7')`,
  // Two-variable comprehensions: a map's keys and values, a list's indexes and elements.
  "object.metadata.?labels.orValue({}).all(k, v, !k.startsWith('e2e/tier') || v in ['web', 'db'])",
  "object.spec.containers.all(i, c, i == 0 || !c.name.startsWith('main'))",
  "!object.metadata.?annotations.orValue({}).exists(k, v, k.startsWith('e2e/owner-')) || object.metadata.annotations.existsOne(k, v, k.startsWith('e2e/owner-') && v != '')",
  {
    expression: "object.metadata.?labels.orValue({}).transformList(k, v, k.startsWith('e2e/list-'), v).size() < 3",
    detail: `string(${LISTED}.size()) + ' from ' + ${LISTED}.min() + ' to ' + ${LISTED}.max()`,
  },
  { expression: `${SIZES}.all(k, n, n <= 3)`, detail: `${LONG_SIZES}.min() + ' and ' + ${LONG_SIZES}.max()` },
  "object.metadata.?annotations.orValue({}).transformMapEntry(k, v, k.startsWith('e2e/alias-'), {k.substring(10): v}).all(alias, target, alias != target)",
  "object.spec.containers.transformMap(i, c, c.name).exists(i, name, i > 0 && name == object.spec.containers[0].name + '-copy') == false",
  // cel-go's optional library beyond the syntax: optional entries in literals, optMap, optFlatMap, first, last, unwrap.
  { expression: `[${LETTERS}].size() < 2`, detail: `[${LETTERS}].join('+')` },
  "!{?'x': object.metadata.?annotations[?'e2e/x'], 'y': 'fine'}.exists(k, v, v == 'bad')",
  { expression: `${NICKNAME}.optMap(n, n.size()).orValue(0) <= 5`, detail: `string(${NICKNAME}.optMap(n, n.size() * 2).orValue(0))` },
  "object.metadata.?annotations[?'e2e/ref'].optFlatMap(r, object.metadata.?labels[?r]).orValue('') != 'forbidden'",
  {
    expression: "object.spec.containers.last().optMap(c, c.name).orValue('') != 'tail'",
    detail: "object.spec.containers.first().value().name + '..' + object.spec.containers.last().value().name",
  },
  { expression: `${RUN_AS}.unwrapOpt().all(u, u != 1234)`, detail: `string(optional.unwrap(${RUN_AS}).size())` },
  // A map literal's repeated key keeps its last value, whether the keys are constants or computed.
  "{'same': 'first', 'same': 'last'}['same'] == 'last'",
  {
    expression: `!has(object.metadata.labels) || !('e2e/key' in object.metadata.labels) || ${KEYED}['two'] == 'never'`,
    detail: `${KEYED}['two'] + ' of ' + string(${KEYED}.size())`,
  },
  // Conversions as cel-go makes them: Go's number syntax and %g, nanosecond durations, RFC 3339 without
  // trailing zeros. A conversion that fails fails the messageExpression, and both sides fall back to the message.
  { expression: annotated('e2e/number'), detail: `string(double(${ANNOTATION}['e2e/number']))` },
  { expression: annotated('e2e/count'), detail: `string(int(${ANNOTATION}['e2e/count']) + 1)` },
  { expression: annotated('e2e/wait'), detail: `string(int(duration(${ANNOTATION}['e2e/wait']))) + ' ' + string(duration(${ANNOTATION}['e2e/wait']))` },
  { expression: annotated('e2e/at'), detail: `string(timestamp(${ANNOTATION}['e2e/at'])) + ' ' + string(timestamp(int(timestamp(${ANNOTATION}['e2e/at']))))` },
  // format() as cel-go's strings extension writes it: %f and %e through x/text's en_US printer, %s of a list as CEL literals.
  { expression: annotated('e2e/ratio'), detail: `'%.2f %e %s'.format([double(${ANNOTATION}['e2e/ratio']), double(${ANNOTATION}['e2e/ratio']), [double(${ANNOTATION}['e2e/ratio']), duration('1.5s'), 'x']])` },
  // Kubernetes' sign() is a function of a quantity, not a method.
  { expression: annotated('e2e/quota'), detail: `string(sign(quantity(${ANNOTATION}['e2e/quota'])))` },
  // A duration's getMilliseconds is all of it in milliseconds; orValue evaluates its alternative only for none.
  { expression: annotated('e2e/span'), detail: `string(duration(${ANNOTATION}['e2e/span']).getMilliseconds()) + ' ' + object.metadata.?name.orValue(${ANNOTATION}['e2e/missing'])` },
  // A timestamp keeps the offset it was written with, through arithmetic and into format's lists, as a Go time keeps its zone.
  { expression: annotated('e2e/later'), detail: `string(timestamp(${ANNOTATION}['e2e/later']) + duration('90m')) + ' ' + '%s'.format([[timestamp(${ANNOTATION}['e2e/later']) - duration('1s')]])` },
  // namespaceObject's timestamps are typed timestamps and hold the API's strings: only through dyn do they convert.
  { expression: annotated('e2e/since'), detail: `string(timestamp(dyn(namespaceObject.metadata.creationTimestamp)) < timestamp(${ANNOTATION}['e2e/since']))` },
  // The message is trimmed before the one-line check, so a trailing newline does not make it fall back.
  { expression: annotated('e2e/text'), detail: `${ANNOTATION}['e2e/text'] + '\\n'` },
];

function validations(): Json[] {
  return VALIDATIONS.map((validation, i) => {
    const { expression, detail } = typeof validation === 'string' ? { expression: validation, detail: undefined } : validation;
    return { expression, message: `case ${i}`, ...(detail ? { messageExpression: `'case ${i}: ' + ${detail}` } : {}) };
  });
}

function policy(namespace: string): Json[] {
  return [podPolicy(NAME, validations()), warnBinding(NAME, namespace), warnRule(NAME, namespace, validations())];
}

interface Verdicts {
  /** The failing validations' indexes. */
  apiServer: number[];
  ztgate: number[];
  /** Their messages, `case <index>` or `case <index>: <detail>`. */
  apiServerMessages: string[];
  ztgateMessages: string[];
}

/** The failing validations each side reports in kubectl's warnings. */
function verdicts(stderr: string[]): Verdicts {
  const messages = (prefix: string) =>
    stderr
      .map((line) => (line.startsWith(prefix) ? line.slice(prefix.length) : undefined))
      .filter((message): message is string => message !== undefined && /^case \d+(: |$)/.test(message))
      .sort((a, b) => indexOf(a) - indexOf(b));
  const apiServerMessages = messages(`Warning: Validation failed for ValidatingAdmissionPolicy '${NAME}' with binding '${NAME}': `);
  const ztgateMessages = messages(`Warning: ZT-RULE ${NAME}: `);
  return { apiServer: apiServerMessages.map(indexOf), ztgate: ztgateMessages.map(indexOf), apiServerMessages, ztgateMessages };
}

function indexOf(message: string): number {
  return Number(/^case (\d+)/.exec(message)![1]);
}

interface Variant {
  name: string;
  pod: PodOptions;
  failing: number[];
  /** The details the failing validations give, by index. */
  details?: Record<number, string>;
}

const VARIANTS: Variant[] = [
  { name: 'plain', pod: {}, failing: [] },
  { name: 'team-forbidden', pod: { labels: { team: 'forbidden', app: 'web-shop' } }, failing: [1] },
  { name: 'mode-annotation', pod: { annotations: { 'e2e/mode': 'bad' }, labels: { 'e2e/mode': 'fine' } }, failing: [2] },
  { name: 'mode-label', pod: { labels: { 'e2e/mode': 'bad' } }, failing: [2] },
  { name: 'mode-annotation-wins', pod: { annotations: { 'e2e/mode': 'fine' }, labels: { 'e2e/mode': 'bad' } }, failing: [] },
  { name: 'empty-owner', pod: { annotations: { owner: '' } }, failing: [5] },
  { name: 'named-owner', pod: { annotations: { owner: 'payments' }, labels: { app: 'api' } }, failing: [7] },
  { name: 'second-container', pod: { containers: [{}, { name: 'second', securityContext: { readOnlyRootFilesystem: true } }] }, failing: [3, 4] },
  { name: 'runs-as-root', pod: { securityContext: { runAsNonRoot: false } }, failing: [6] },
  { name: 'version-older', pod: { annotations: { 'e2e/version': 'v1.1' } }, failing: [8] },
  { name: 'version-by-number', pod: { annotations: { 'e2e/version': '1.10.0' } }, failing: [] },
  { name: 'version-prerelease', pod: { annotations: { 'e2e/version': '1.2.0-rc.1' } }, failing: [8] },
  { name: 'version-not-semver', pod: { annotations: { 'e2e/version': 'latest' } }, failing: [9] },
  { name: 'version-build-metadata', pod: { annotations: { 'e2e/version': 'v1.3.0+linux' } }, failing: [11] },
  { name: 'release-short', pod: { labels: { 'e2e/release': '1.0' } }, failing: [10] },
  { name: 'tier-unknown', pod: { labels: { 'e2e/tier': 'cache' } }, failing: [12] },
  { name: 'tiers-known', pod: { labels: { 'e2e/tier': 'db', 'e2e/tiers': 'web' } }, failing: [] },
  { name: 'main-not-first', pod: { containers: [{ name: 'app' }, { name: 'main-x' }] }, failing: [13] },
  { name: 'main-first', pod: { containers: [{ name: 'main' }, { name: 'side' }] }, failing: [] },
  { name: 'two-owners', pod: { annotations: { 'e2e/owner-a': 'x', 'e2e/owner-b': 'y' } }, failing: [14] },
  { name: 'one-named-owner', pod: { annotations: { 'e2e/owner-a': 'x', 'e2e/owner-b': '' } }, failing: [] },
  {
    name: 'listed-labels',
    pod: { labels: { 'e2e/list-b': '2', 'e2e/list-a': '1', 'e2e/list-c': '3', 'e2e/lister': 'no' } },
    failing: [15],
    details: { 15: '3 from a=1 to c=3' },
  },
  {
    name: 'long-sizes',
    pod: { annotations: { 'e2e/size-x': 'abcd', 'e2e/size-y': 'ab', 'e2e/size-z': 'abcdef' } },
    failing: [16],
    details: { 16: 'e2e/size-x:4 and e2e/size-z:6' },
  },
  { name: 'alias-to-itself', pod: { annotations: { 'e2e/alias-web': 'web', 'e2e/alias-api': 'backend' } }, failing: [17] },
  { name: 'copy-of-first', pod: { containers: [{ name: 'web' }, { name: 'side' }, { name: 'web-copy' }] }, failing: [18] },
  { name: 'both-letters', pod: { labels: { 'e2e/a': 'x', 'e2e/b': 'y' } }, failing: [19], details: { 19: 'x+y' } },
  { name: 'one-letter', pod: { labels: { 'e2e/b': 'y' } }, failing: [] },
  { name: 'annotation-bad', pod: { annotations: { 'e2e/x': 'bad' } }, failing: [20] },
  { name: 'nickname-long', pod: { labels: { 'e2e/nickname': 'webshop' } }, failing: [21], details: { 21: '14' } },
  { name: 'nickname-short', pod: { labels: { 'e2e/nickname': 'web' } }, failing: [] },
  { name: 'reference-forbidden', pod: { annotations: { 'e2e/ref': 'e2e/who' }, labels: { 'e2e/who': 'forbidden' } }, failing: [22] },
  { name: 'reference-missing', pod: { annotations: { 'e2e/ref': 'e2e/nobody' } }, failing: [] },
  { name: 'tail-last', pod: { containers: [{ name: 'head' }, { name: 'tail' }] }, failing: [23], details: { 23: 'head..tail' } },
  { name: 'runs-as-1234', pod: { containers: [{ name: 'app', securityContext: { runAsUser: 1234 } }, { name: 'b' }] }, failing: [24], details: { 24: '1' } },
  { name: 'key-repeated', pod: { labels: { 'e2e/key': 'two' } }, failing: [26], details: { 26: 'second of 1' } },
  { name: 'key-distinct', pod: { labels: { 'e2e/key': 'one' } }, failing: [26], details: { 26: 'second of 2' } },
  { name: 'number-million', pod: { annotations: { 'e2e/number': '1000000' } }, failing: [27], details: { 27: '1e+06' } },
  { name: 'number-hex', pod: { annotations: { 'e2e/number': '0x1p-2' } }, failing: [27], details: { 27: '0.25' } },
  { name: 'number-infinite', pod: { annotations: { 'e2e/number': '-Infinity' } }, failing: [27], details: { 27: '-Inf' } },
  { name: 'number-spaced', pod: { annotations: { 'e2e/number': ' 1' } }, failing: [27] },
  { name: 'count-signed', pod: { annotations: { 'e2e/count': '+12' } }, failing: [28], details: { 28: '13' } },
  { name: 'count-hex', pod: { annotations: { 'e2e/count': '0x10' } }, failing: [28] },
  { name: 'wait', pod: { annotations: { 'e2e/wait': '1.5s' } }, failing: [29], details: { 29: '1500000000 1.5s' } },
  { name: 'at', pod: { annotations: { 'e2e/at': '2020-01-01T00:00:00.500Z' } }, failing: [30], details: { 30: '2020-01-01T00:00:00.5Z 2020-01-01T00:00:00Z' } },
  { name: 'ratio', pod: { annotations: { 'e2e/ratio': '1234.5' } }, failing: [31], details: { 31: '1,234.50 1.234500×10⁰³ [1234.500000, duration("1.5s"), "x"]' } },
  { name: 'ratio-rounded', pod: { annotations: { 'e2e/ratio': '0.005' } }, failing: [31], details: { 31: '0.01 5.000000×10⁻⁰³ [0.005000, duration("1.5s"), "x"]' } },
  { name: 'quota', pod: { annotations: { 'e2e/quota': '-2Ki' } }, failing: [32], details: { 32: '-1' } },
  { name: 'span', pod: { annotations: { 'e2e/span': '1h30m' } }, failing: [33], details: { 33: '5400000 parity-span' } },
  { name: 'at-offset', pod: { annotations: { 'e2e/at': '2020-01-01T01:00:00.500+01:00' } }, failing: [30], details: { 30: '2020-01-01T01:00:00.5+01:00 2020-01-01T00:00:00Z' } },
  { name: 'later', pod: { annotations: { 'e2e/later': '2023-12-31T23:30:00-05:30' } }, failing: [34], details: { 34: '2024-01-01T01:00:00-05:30 [timestamp("2023-12-31T23:29:59-05:30")]' } },
  { name: 'later-utc', pod: { annotations: { 'e2e/later': '2023-12-31T23:30:00+00:00' } }, failing: [34], details: { 34: '2024-01-01T01:00:00Z [timestamp("2023-12-31T23:29:59Z")]' } },
  { name: 'since', pod: { annotations: { 'e2e/since': '2100-01-01T00:00:00Z' } }, failing: [35], details: { 35: 'true' } },
  { name: 'since-past', pod: { annotations: { 'e2e/since': '2000-01-01T00:00:00Z' } }, failing: [35], details: { 35: 'false' } },
  { name: 'text-trailing-newline', pod: { annotations: { 'e2e/text': 'tail  ' } }, failing: [36], details: { 36: 'tail' } },
  { name: 'text-inner-newline', pod: { annotations: { 'e2e/text': 'two\nlines' } }, failing: [36] },
];

/** Expressions kube-apiserver refuses when a policy is created: ztgate must refuse them too, with the same words at the same place. */
const REFUSED_AT_LOAD: string[] = [
  "['a', 1].size() == 2",
  "{'a': 1, 'b': 'x'}.size() == 2",
  '[1, null].size() == 2',
  '[1, 2].all(i, i, true)',
  '[1].exists(i.j, v, true)',
  'optional.of(1).optMap(x.y, 1) == optional.none()',
  // Types named with their parameters, and an operator's position after a number literal.
  '[1, [[1]]].size() == 2',
  "[1, {'a': [1]}].size() == 2",
  '[1, {}].size() == 2',
  "[duration('1s'), 1].size() == 2",
  '[1, 2.0 * 3.0].size() == 2',
  '[1, 1 + 2u].size() == 2',
  // cel-go's literal validators: the argument's place, in any branch.
  "false ? duration('x') == duration('1s') : true",
  'timestamp(99999999999999) == timestamp(1)',
  "'x'.matches('(')",
  // cel-go's type check, with object dyn as Kubernetes declares it at creation: operands no overload takes,
  // a conditional's branches, a macro's predicate, fields, ranges, and request's and namespaceObject's types.
  "size(object.spec.containers) + 'x' == 'y'",
  "object.spec.containers.size() == 1.0",
  "(has(object.spec) ? 'x' : null) == 'x'",
  'object.spec.containers.all(c, c.name.size())',
  "object.spec.containers.map(c, c.name).filter(n, n.size()).size() == 0",
  "object.metadata.name.lowerAscii().exists(c, c == 'a')",
  "'a'.size.x == 1",
  'request.dryRun == 1',
  "request.userInfo.groups.exists(g, g == 1)",
  "request.uid == ''",
  "namespaceObject.metadata.labels.all(k, k + 1 == 2)",
  "size(request.userInfo) == 1",
];

/** `line, column: problem` of the first compile error in kubectl's output, from either side's wording. */
function compileError(stderr: string): string | undefined {
  const apiServer = /compilation failed: ERROR: <input>:(\d+):(\d+): ([^\n]*)/.exec(stderr);
  if (apiServer) return `${apiServer[1]}, ${apiServer[2]}: ${apiServer[3]}`;
  const ztgate = /does not compile: line (\d+), column (\d+): (.*?) \(spec\.validations/.exec(stderr);
  return ztgate ? `${ztgate[1]}, ${ztgate[2]}: ${ztgate[3]}` : undefined;
}

export function vapParityScenarios(env: () => E2E): void {
  describe('CEL parity with ValidatingAdmissionPolicy', () => {
    test('an expression kube-apiserver refuses in a new policy is refused in a ZeroTrustRule, with the same error at the same place', async () => {
      const e = env();
      for (const expression of REFUSED_AT_LOAD) {
        const validations = [{ expression, message: 'refused' }];
        const vap = podPolicy(`${NAME}-refused`, validations);
        const rule = { ...warnRule(`${NAME}-refused`, 'unused', validations), spec: { mode: 'warn', match: { kinds: ['Pod'] }, validations } };
        const apiServer = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { input: vap });
        const ztgate = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { input: rule });
        assert.notEqual(apiServer.code, 0, `kube-apiserver refuses ${expression}; ${apiServer.stdout}`);
        assert.notEqual(ztgate.code, 0, `ztgate refuses ${expression}; ${ztgate.stdout}`);
        const expected = compileError(apiServer.stderr);
        assert.ok(expected, `kube-apiserver's compile error for ${expression}: ${apiServer.stderr}`);
        // ztgate may say why after kube-apiserver's words (`invalid matches argument: invalid regular expression…`).
        const actual = compileError(ztgate.stderr);
        assert.ok(actual === expected || actual?.startsWith(`${expected}: `), `${expression}: ztgate's error ${actual} against kube-apiserver's ${expected}; ${ztgate.stderr}`);
      }
    });

    test('the same validations judged by kube-apiserver and by ztgate fail for the same Pods', async () => {
      const e = env();
      const ns = await e.namespace('parity', { serviceAccounts: ['web'] });
      for (const object of policy(ns)) assertAdmitted(await e.kubectl(['apply', '-f', '-'], { input: object }), `creating ${String(object['kind'])} ${NAME}`);
      try {
        const probe = pod('parity-probe', ns, { serviceAccountName: 'web', labels: { [PROBE_LABEL]: 'yes' } });
        await pollUntil('both the API server and ztgate apply the new validations', PICKUP_MS, async () => {
          const r = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'bob', input: probe });
          const seen = verdicts(warningLines(r));
          return seen.apiServer.includes(0) && seen.ztgate.includes(0) ? r : undefined;
        });

        const policyStatus = await e.kubectl(['get', 'validatingadmissionpolicy', NAME, '-o', 'jsonpath={.status.typeChecking}']);
        assert.ok(!policyStatus.stdout.includes('expressionWarnings'), `the API server type-checks every expression without a warning: ${policyStatus.stdout}`);

        for (const variant of VARIANTS) {
          const r = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'bob', input: pod(`parity-${variant.name}`, ns, { ...variant.pod, serviceAccountName: 'web' }) });
          assertAdmitted(r, `Pod ${variant.name} (both sides only warn)`);
          const seen = verdicts(warningLines(r));
          assert.deepEqual(seen.ztgateMessages, seen.apiServerMessages, `Pod ${variant.name}: ztgate's failing validations against the API server's; ${r.stderr}`);
          assert.deepEqual(seen.apiServer, variant.failing, `Pod ${variant.name}: the failing validations the table expects; ${r.stderr}`);
          const expected = variant.failing.map((index) => (variant.details?.[index] ? `case ${index}: ${variant.details[index]}` : `case ${index}`));
          assert.deepEqual(seen.apiServerMessages, expected, `Pod ${variant.name}: the messages the table expects; ${r.stderr}`);
        }
      } finally {
        for (const object of policy(ns).reverse()) await e.kubectl(['delete', '--ignore-not-found', '-f', '-'], { input: object });
      }
    });
  });
}
