import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileRuleObjects, mergeRuleSets, parseRules, RULE_API_VERSION, RULE_KIND } from '../../src/cel/config.js';
import { ConfigNode } from '../../src/config/reader.js';
import { readiness } from '../../src/http/readiness.js';
import { StaticNamespaceSource } from '../../src/facts/static.js';
import { configWithRules } from './support.js';

const rule = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  match: { kinds: ['Pod'] },
  validations: [{ expression: "object.metadata.name != ''" }],
  ...extra,
});

/** The rules that loaded; a broken one stays in the set, marked, so that it fails by its failurePolicy. */
const loaded = (rules: readonly { name: string; loadError?: string }[]): string[] => rules.filter((r) => r.loadError === undefined).map((r) => r.name);

/**
 * Type errors, as cel-go's checker has kube-apiserver refuse them when a policy is created (object is dyn
 * there too). A rule being written (a ZeroTrustRule object, through ZT-RULE-001) is refused with them; a
 * stored one (the config file, or an object already in the cluster) still loads, unchecked, with a warning.
 */
const TYPE_CASES: { why: string; rule: Record<string, unknown>; path: string; message: RegExp }[] = [
    { why: 'an operator no overload of which takes its operands', rule: rule('operands', { validations: [{ expression: "size(object.spec.containers) + 'x' == 'y'" }] }), path: 'rules[0].validations[0].expression', message: /^line 1, column 30: found no matching overload for '_\+_' applied to '\(int, string\)'$/ },
    { why: 'a comparison of a request field with another type', rule: rule('request-type', { validations: [{ expression: 'request.dryRun == 1' }] }), path: 'rules[0].validations[0].expression', message: /^line 1, column 16: found no matching overload for '_==_' applied to '\(bool, int\)'$/ },
    { why: 'a validation reading an int variable', rule: rule('int-var', { variables: [{ name: 'n', expression: 'size(object.spec.containers)' }], validations: [{ expression: 'variables.n' }] }), path: 'rules[0].validations[0].expression', message: /^line 1, column 10: a validation must evaluate to bool, but this expression evaluates to int$/ },
    { why: 'a variable of one type used as another', rule: rule('var-type', { variables: [{ name: 'names', expression: 'object.spec.containers.map(c, c.name)' }], validations: [{ expression: "variables.names == 'web'" }] }), path: 'rules[0].validations[0].expression', message: /applied to '\(list\(dyn\), string\)'/ },
    { why: 'an annotation null on one branch and a string on the other', rule: rule('null-branch', { auditAnnotations: [{ key: 'k', valueExpression: "has(object.spec) ? 'x' : null" }] }), path: 'rules[0].auditAnnotations[0].valueExpression', message: /^line 1, column 18: found no matching overload for '_\?_:_' applied to '\(bool, string, null\)'$/ },
    { why: 'a macro whose predicate is not a bool', rule: rule('predicate', { validations: [{ expression: 'object.spec.containers.all(c, c.name.size())' }] }), path: 'rules[0].validations[0].expression', message: /^line 1, column 42: expected type 'bool' but found 'int'$/ },
    { why: 'a loop over a string', rule: rule('range', { validations: [{ expression: "object.metadata.name.lowerAscii().exists(c, c == 'a')" }] }), path: 'rules[0].validations[0].expression', message: /expression of type 'string' cannot be range of a comprehension/ },
];

/** A config entry as the ZeroTrustRule object of the same name. */
function asObject(entry: Record<string, unknown>): Record<string, unknown> {
  const { name, ...spec } = entry;
  return { apiVersion: RULE_API_VERSION, kind: RULE_KIND, metadata: { name }, spec };
}

describe('type errors', () => {
  for (const c of TYPE_CASES) {
    test(`${c.why}: a new ZeroTrustRule is refused at spec.${c.path.replace(/^rules\[0\]\./, '')}`, () => {
      const set = compileRuleObjects([asObject(c.rule)], RULE_KIND);
      assert.equal(set.loadErrors.length, 1, JSON.stringify(set.loadErrors));
      assert.equal(set.loadErrors[0]!.path, c.path.replace(/^rules\[0\]\./, 'spec.'));
      assert.match(set.loadErrors[0]!.message, c.message);
    });
    test(`${c.why}: a stored rule loads unchecked, with a warning at ${c.path}`, () => {
      const config = configWithRules([c.rule]);
      assert.deepEqual(config.rules.loadErrors, []);
      assert.equal(config.rules.rules.length, 1);
      assert.equal(config.rules.typeWarnings.length, 1, JSON.stringify(config.rules.typeWarnings));
      assert.equal(config.rules.typeWarnings[0]!.path, c.path);
      assert.match(config.rules.typeWarnings[0]!.message, c.message);
      const stored = compileRuleObjects([asObject(c.rule)], RULE_KIND, undefined, 'warn');
      assert.deepEqual([stored.loadErrors, stored.typeWarnings.map((w) => w.message)], [[], config.rules.typeWarnings.map((w) => w.message)]);
    });
  }
});

test('/readyz names a stored rule\'s type error in the rules check, which stays ok', () => {
  const config = configWithRules([TYPE_CASES[0]!.rule]);
  const check = readiness({ draining: false, certificatesLoaded: true, config, namespaces: new StaticNamespaceSource([]) }).checks.find((c) => c.name === 'rules');
  assert.equal(check?.ok, true);
  assert.match(check?.detail ?? '', /^all rules loaded; operands rules\[0\]\.validations\[0\]\.expression: type error kube-apiserver would refuse, loaded unchecked: line 1, column 30: found no matching overload/);
});

describe('bad rules are reported and the rest still loads', () => {
  test('load errors name the rule, the expression path and the position', () => {
    const config = configWithRules([
      rule('good-a'),
      rule('bad-function', {
        validations: [{ expression: 'true' }, { expression: 'true' }, { expression: "has(object.spec) && lenght(object.spec) > 0" }],
      }),
      rule('bad-syntax', { matchConditions: [{ name: 'pods', expression: "object.kind == 'Pod' &&" }] }),
      rule('good-b'),
    ]);
    assert.deepEqual(loaded(config.rules.rules), ['good-a', 'good-b']);
    assert.deepEqual(
      config.rules.rules.filter((r) => r.loadError !== undefined).map((r) => [r.name, r.loadError]),
      [
        ['bad-function', "rules[1].validations[2].expression: line 1, column 27: undeclared reference to function 'lenght'"],
        ['bad-syntax', 'rules[2].matchConditions[0].expression: line 1, column 22: syntax error: found & but expecting end of input'],
      ],
      'kept with their match and failurePolicy, and the first error',
    );
    assert.deepEqual(config.rules.loadErrors, [
      {
        rule: 'bad-function',
        path: 'rules[1].validations[2].expression',
        message: "line 1, column 27: undeclared reference to function 'lenght'",
        source: 'config',
      },
      {
        rule: 'bad-syntax',
        path: 'rules[2].matchConditions[0].expression',
        message: 'line 1, column 22: syntax error: found & but expecting end of input',
        source: 'config',
      },
    ]);
  });

  test('a position on a later line counts lines and columns from 1', () => {
    const config = configWithRules([rule('multi-line', { validations: [{ expression: "object.metadata.name != '' &&\n  object.spec.nodeName.startsWth('n')" }] })]);
    assert.match(config.rules.loadErrors[0]!.message, /^line 2, column 33: undeclared reference to function 'startsWth' \(did you mean 'startsWith'\?\)$/);
  });

  test('every broken expression of a rule is reported, not just the first', () => {
    const config = configWithRules([
      rule('two-errors', { validations: [{ expression: 'nope.x' }, { expression: 'true', messageExpression: "'a' +" }] }),
    ]);
    assert.deepEqual(
      config.rules.loadErrors.map((e) => `${e.path}: ${e.message}`),
      [
        "rules[0].validations[0].expression: line 1, column 1: undeclared reference to 'nope'",
        'rules[0].validations[1].messageExpression: line 1, column 5: syntax error: found + but expecting end of input',
      ],
    );
  });

  const CASES: { why: string; rule: Record<string, unknown>; path: string; message: RegExp; name?: string }[] = [
    { why: 'a missing name', rule: { match: { kinds: ['Pod'] }, validations: [{ expression: 'true' }] }, path: 'rules[0].name', message: /is required/, name: 'rules[0]' },
    { why: 'a name that is not a Kubernetes name', rule: rule('Bad_Name'), path: 'rules[0].name', message: /not a valid rule name/, name: 'rules[0]' },
    { why: 'an unknown key', rule: { ...rule('typo'), validation: [] }, path: 'rules[0].validation', message: /unknown key/, name: 'rules[0]' },
    { why: 'no match', rule: { name: 'no-match', validations: [{ expression: 'true' }] }, path: 'rules[0].match', message: /is required/ },
    { why: 'a match without kinds or resources', rule: rule('empty-match', { match: { apiGroups: [''] } }), path: 'rules[0].match', message: /kinds or resources/ },
    { why: 'an unknown operation', rule: rule('bad-op', { match: { kinds: ['Pod'], operations: ['CREATE', 'PATCH'] } }), path: 'rules[0].match.operations[1]', message: /expected one of CREATE, UPDATE, DELETE, CONNECT, \*/ },
    { why: 'a bad selector', rule: rule('bad-selector', { match: { kinds: ['Pod'], namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } } }), path: 'rules[0].match.namespaceSelector.matchExpressions[0].values', message: /non-empty/ },
    { why: 'an unknown mode', rule: rule('bad-mode', { mode: 'deny' }), path: 'rules[0].mode', message: /expected one of enforce, warn, audit/ },
    { why: 'an unknown failure policy', rule: rule('bad-policy', { failurePolicy: 'fail' }), path: 'rules[0].failurePolicy', message: /expected one of Fail, Ignore/ },
    { why: 'nothing to check', rule: { name: 'empty', match: { kinds: ['Pod'] } }, path: 'rules[0]', message: /at least one validation or audit annotation/ },
    { why: 'an unknown reason', rule: rule('bad-reason', { validations: [{ expression: 'true', reason: 'Nope' }] }), path: 'rules[0].validations[0].reason', message: /Unauthorized, Forbidden, Invalid/ },
    { why: 'a message over two lines', rule: rule('two-lines', { validations: [{ expression: 'true', message: 'a\nb' }] }), path: 'rules[0].validations[0].message', message: /one line/ },
    { why: 'params that are not a map', rule: rule('bad-params', { params: ['a'] }), path: 'rules[0].params', message: /expected a map/ },
    { why: 'a duplicate variable', rule: rule('dup-var', { variables: [{ name: 'a', expression: '1' }, { name: 'a', expression: '2' }] }), path: 'rules[0].variables[1].name', message: /duplicate variable name "a"/ },
    { why: 'a variable name that is not an identifier', rule: rule('bad-var', { variables: [{ name: 'my-var', expression: '1' }] }), path: 'rules[0].variables[0].name', message: /not a valid variable name/ },
    { why: 'a variable using a later one', rule: rule('order', { variables: [{ name: 'a', expression: 'variables.b + 1' }, { name: 'b', expression: '1' }] }), path: 'rules[0].variables[0].expression', message: /line 1, column 10: undeclared reference to 'variables.b'.*defined before it/ },
    { why: 'a match condition using a variable', rule: rule('cond-var', { variables: [{ name: 'a', expression: 'true' }], matchConditions: [{ name: 'c', expression: 'variables.a' }] }), path: 'rules[0].matchConditions[0].expression', message: /variables.a/ },
    { why: 'an expression over the length limit', rule: rule('long', { validations: [{ expression: `'${'x'.repeat(5000)}' != ''` }] }), path: 'rules[0].validations[0].expression', message: /5008 characters long; the limit is 5000/ },
    { why: 'an expression nested too deeply', rule: rule('deep', { validations: [{ expression: `${'['.repeat(70)}${']'.repeat(70)}.size() == 1` }] }), path: 'rules[0].validations[0].expression', message: /nests deeper than 64 levels/ },
    { why: 'deep selection without brackets', rule: rule('deep-select', { validations: [{ expression: `has(object${'.a'.repeat(80)})` }] }), path: 'rules[0].validations[0].expression', message: /nests deeper than 64 levels/ },
    { why: 'an invalid annotation key', rule: rule('bad-key', { auditAnnotations: [{ key: 'a/b', valueExpression: "'x'" }] }), path: 'rules[0].auditAnnotations[0].key', message: /not a valid annotation key/ },
    { why: 'an annotation key that gets too long', rule: rule(`r${'x'.repeat(55)}`, { auditAnnotations: [{ key: 'tenchars12', valueExpression: "'x'" }] }), path: 'rules[0].auditAnnotations[0].key', message: /longer than 63 characters/ },
    { why: 'a constant pattern that does not compile', rule: rule('const', { validations: [{ expression: "object.metadata.name.matches('(unclosed')" }] }), path: 'rules[0].validations[0].expression', message: /line 1, column 30: invalid matches argument: invalid regular expression "\(unclosed": .*missing closing \)/ },
    { why: 'a constant call that always fails', rule: rule('const-call', { validations: [{ expression: "quantity('12 GiB').isInteger()" }] }), path: 'rules[0].validations[0].expression', message: /line 1, column 9: quantities must match/ },
    // What each place must evaluate to is checked at load, as the API server does for a ValidatingAdmissionPolicy.
    { why: 'a validation that yields a string', rule: rule('str', { validations: [{ expression: "object.metadata.name + '-x'" }] }), path: 'rules[0].validations[0].expression', message: /line 1, column 22: a validation must evaluate to bool, but this expression evaluates to string/ },
    { why: 'a validation that yields a count', rule: rule('count', { validations: [{ expression: 'size(object.spec.containers)' }] }), path: 'rules[0].validations[0].expression', message: /a validation must evaluate to bool, but this expression evaluates to int/ },
    { why: 'a validation that yields a list', rule: rule('list', { validations: [{ expression: 'object.spec.containers.map(c, c.name)' }] }), path: 'rules[0].validations[0].expression', message: /evaluates to list/ },
    { why: 'a ternary with two string branches', rule: rule('ternary', { validations: [{ expression: "has(object.spec) ? 'yes' : 'no'" }] }), path: 'rules[0].validations[0].expression', message: /evaluates to string/ },
    { why: 'a match condition that yields an int', rule: rule('cond-int', { matchConditions: [{ name: 'c', expression: '1 + 1' }] }), path: 'rules[0].matchConditions[0].expression', message: /a match condition must evaluate to bool, but this expression evaluates to int/ },
    { why: 'a messageExpression that yields an int', rule: rule('msg-int', { validations: [{ expression: 'true', messageExpression: 'size(object.spec.containers)' }] }), path: 'rules[0].validations[0].messageExpression', message: /a messageExpression must evaluate to string, but this expression evaluates to int/ },
    { why: 'an audit annotation value that yields a bool', rule: rule('audit-bool', { auditAnnotations: [{ key: 'k', valueExpression: "object.metadata.name == 'x'" }] }), path: 'rules[0].auditAnnotations[0].valueExpression', message: /an audit annotation value must evaluate to string or null, but this expression evaluates to bool/ },
    { why: 'message construction', rule: rule('proto', { validations: [{ expression: 'google.protobuf.Int64Value{value: 1} == 1' }] }), path: 'rules[0].validations[0].expression', message: /not supported/ },
  ];

  for (const c of CASES) {
    test(`${c.why} is a load error at ${c.path}`, () => {
      const config = configWithRules([c.rule, rule('survivor')]);
      assert.deepEqual(loaded(config.rules.rules), ['survivor']);
      assert.equal(config.rules.loadErrors.length, 1, JSON.stringify(config.rules.loadErrors));
      const error = config.rules.loadErrors[0]!;
      assert.equal(error.rule, c.name ?? String(c.rule['name']));
      assert.equal(error.path, c.path);
      assert.match(error.message, c.message);
    });
  }

  test('what depends on the object is left to the evaluation: only a type the expression cannot avoid is refused', () => {
    const fine = [
      rule('field', { validations: [{ expression: 'object.spec.enabled' }] }),
      rule('dyn', { validations: [{ expression: "dyn(object.metadata.name + 'x')", message: 'm' }] }),
      rule('mixed', { validations: [{ expression: "has(object.spec) ? object.spec.ok : 'no'" }] }),
      rule('index', { validations: [{ expression: 'object.spec.flags[0]' }] }),
      rule('variable', { variables: [{ name: 'enabled', expression: 'object.spec.enabled' }], validations: [{ expression: 'variables.enabled' }] }),
      rule('dyn-branch', { validations: [{ expression: "(has(object.spec) ? 1 : object.spec.size) + 'x' == 'y'" }] }),
      rule('macro', { validations: [{ expression: 'object.spec.containers.exists_one(c, c.name == "a")' }] }),
      rule('null-annotation', { auditAnnotations: [{ key: 'k', valueExpression: 'null' }] }),
      rule('empty-annotation', { auditAnnotations: [{ key: 'k', valueExpression: "has(object.spec) ? 'x' : ''" }] }),
      rule('string-annotation', { auditAnnotations: [{ key: 'k', valueExpression: "'x'" }] }),
      rule('format', { validations: [{ expression: 'true', messageExpression: "'%d containers'.format([size(object.spec.containers)])" }] }),
    ];
    const config = configWithRules(fine);
    assert.deepEqual(config.rules.loadErrors, []);
    assert.equal(config.rules.rules.length, fine.length);
  });

  test('a duplicate rule name keeps the first and reports the second', () => {
    const config = configWithRules([rule('same', { mode: 'warn' }), rule('same')]);
    assert.equal(config.rules.rules.length, 1);
    assert.equal(config.rules.rules[0]!.mode, 'warn');
    assert.deepEqual(config.rules.loadErrors, [{ rule: 'same', path: 'rules[1].name', message: 'duplicate rule name "same" (already defined in config)', source: 'config' }]);
  });

  test('`rules:` that is not a list makes the config invalid', () => {
    assert.throws(() => configWithRules({ name: 'x' } as unknown as unknown[]), /rules: expected a list/);
  });
});

describe('defaults', () => {
  test('mode enforce, failurePolicy Fail, CREATE and UPDATE of any group, empty params', () => {
    const [loaded] = configWithRules([rule('defaults')]).rules.rules;
    assert.equal(loaded!.mode, 'enforce');
    assert.equal(loaded!.failurePolicy, 'Fail');
    assert.deepEqual(loaded!.match.operations, ['CREATE', 'UPDATE']);
    assert.deepEqual(loaded!.match.apiGroups, ['*']);
    assert.equal(loaded!.validations[0]!.reason, 'Invalid');
  });
});

describe('limits', () => {
  const rulesNode = (rules: unknown[]) => new ConfigNode(rules, 'rules');

  test('are read from their own section', () => {
    const set = parseRules(rulesNode([]), new ConfigNode({ evaluationBudget: '250ms', maxSteps: 5000, maxExpressionLength: 100, maxNestingDepth: 10 }, 'ruleLimits'));
    assert.deepEqual(set.limits, { evaluationBudgetMs: 250, maxSteps: 5000, maxExpressionLength: 100, maxNestingDepth: 10 });
  });

  test('apply when rules compile', () => {
    const set = parseRules(rulesNode([rule('short', { validations: [{ expression: 'object.metadata.name.size() > 0' }] })]), new ConfigNode({ maxExpressionLength: 20 }, 'ruleLimits'));
    assert.match(set.loadErrors[0]!.message, /31 characters long; the limit is 20/);
  });

  test('bad limits make the config invalid, naming the field', () => {
    assert.throws(() => parseRules(rulesNode([]), new ConfigNode({ evaluationBudget: 'fast' }, 'ruleLimits')), /ruleLimits.evaluationBudget: expected a duration/);
    assert.throws(() => parseRules(rulesNode([]), new ConfigNode({ maxSteps: 0 }, 'ruleLimits')), /ruleLimits.maxSteps: expected an integer from 1/);
    assert.throws(() => parseRules(rulesNode([]), new ConfigNode({ budget: '1s' }, 'ruleLimits')), /ruleLimits.budget: unknown key/);
  });
});

describe('ZeroTrustRule objects', () => {
  const object = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    apiVersion: RULE_API_VERSION,
    kind: RULE_KIND,
    metadata: { name, uid: 'abc', managedFields: [{}] },
    spec,
    ...extra,
  });
  const { name: _name, ...body } = rule('x');

  test('compile with metadata.name as the rule name and the source recorded', () => {
    const set = compileRuleObjects([object('from-cluster', body)], 'ZeroTrustRule');
    assert.deepEqual(set.loadErrors, []);
    assert.equal(set.rules[0]!.name, 'from-cluster');
    assert.equal(set.rules[0]!.source, 'ZeroTrustRule');
  });

  test('report errors with paths from spec, and keep the good ones', () => {
    const set = compileRuleObjects(
      [
        object('bad-cel', { ...body, validations: [{ expression: 'object.metadata.name == oldObjct.metadata.name' }] }),
        object('wrong-kind', body, { kind: 'ConfigMap' }),
        object('named-in-spec', { ...body, name: 'other' }),
        { apiVersion: RULE_API_VERSION, kind: RULE_KIND, metadata: {}, spec: body },
        object('fine', body),
      ],
      'ZeroTrustRule',
    );
    assert.deepEqual(loaded(set.rules), ['fine']);
    // Its spec's match was read, so bad-cel fails where it applies; the others name no rule to keep.
    assert.deepEqual(set.rules.map((r) => [r.name, r.loadError?.split(':')[0]]), [['bad-cel', 'spec.validations[0].expression'], ['fine', undefined]]);
    assert.deepEqual(
      set.loadErrors.map(({ rule: r, path, source }) => ({ rule: r, path, source })),
      [
        { rule: 'bad-cel', path: 'spec.validations[0].expression', source: 'ZeroTrustRule' },
        { rule: 'ZeroTrustRule[1]', path: 'kind', source: 'ZeroTrustRule' },
        { rule: 'named-in-spec', path: 'spec.name', source: 'ZeroTrustRule' },
        { rule: 'ZeroTrustRule[3]', path: 'metadata.name', source: 'ZeroTrustRule' },
      ],
    );
    assert.match(set.loadErrors[0]!.message, /line 1, column 25: undeclared reference to 'oldObjct' \(did you mean 'oldObject'\?\)/);
  });

  test('garbage from the cluster is reported, never thrown', () => {
    const garbage = [null, 1, 'text', [], {}, { spec: [] }, { metadata: { name: 'x' }, spec: { match: 'all' } }];
    const set = compileRuleObjects(garbage, 'ZeroTrustRule');
    assert.equal(set.rules.length, 0);
    assert.deepEqual(set.loadErrors.map((e) => e.path), ['', '', '', '', 'metadata.name', 'metadata.name', 'spec.match']);
  });

  test('merge after the config rules, which win a name clash', () => {
    const config = configWithRules([rule('shared', { mode: 'audit' }), { name: 'broken' }]);
    const cluster = compileRuleObjects([object('shared', body), object('extra', body)], 'ZeroTrustRule');
    const merged = mergeRuleSets(config.rules, cluster);
    assert.deepEqual(merged.rules.map((r) => `${r.name}:${r.source}`), ['shared:config', 'extra:ZeroTrustRule']);
    assert.equal(merged.rules[0]!.mode, 'audit');
    assert.deepEqual(merged.loadErrors.map((e) => `${e.rule} ${e.path}`), ['broken rules[1].match', 'shared metadata.name']);
    assert.equal(merged.limits, config.rules.limits);
  });
});
