import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateRules } from '../../src/cel/evaluate.js';
import { decide } from '../../src/engine/decide.js';
import type { JsonObject } from '../../src/util/json.js';
import { configWithRules, contextFor, facts, requestFor, withRuleLimits } from './support.js';

const deployment = (labels?: Record<string, string>, replicas = 3): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', ...(labels ? { labels } : {}) },
  spec: { replicas },
});

const rule = (name: string, extra: Record<string, unknown>) => ({ name, match: { kinds: ['Deployment'] }, ...extra });
const check = (expression: string, extra: Record<string, unknown> = {}) => rule('check', { validations: [{ expression, message: 'check failed' }], ...extra });

function outcome(rules: unknown[], object: JsonObject = deployment(), extra: Record<string, unknown> = {}) {
  const config = configWithRules(rules, extra);
  assert.deepEqual(config.rules.loadErrors, []);
  return evaluateRules(contextFor(requestFor(object), config));
}

const messages = (rules: unknown[], object?: JsonObject) => outcome(rules, object).violations.map((v) => `${v.mode} ${v.message}`);

describe('a missing field behaves as in Kubernetes', () => {
  test('unguarded, the validation fails with the error and where it happened', () => {
    assert.deepEqual(messages([check("object.metadata.labels.team == 'payments'")]), [
      'enforce ZT-RULE check: validations[0] could not be evaluated: field not found: labels (line 1, column 16)',
    ]);
  });

  test('guarded by has(), the validation decides', () => {
    const guarded = check("has(object.metadata.labels) && object.metadata.labels.team == 'payments'");
    assert.deepEqual(messages([guarded]), ['enforce ZT-RULE check: check failed']);
    assert.deepEqual(messages([guarded], deployment({ team: 'payments' })), []);
  });
});

describe('paths shared by the rules of one review', () => {
  test('rules reading the same path each see its value, and each error names its own rule and position', () => {
    const rules = [
      rule('first', { validations: [{ expression: "object.metadata.labels.team == 'payments'" }] }),
      rule('second', { validations: [{ expression: "  object.metadata.labels.team == 'payments'" }] }),
      rule('third', { validations: [{ expression: 'object.spec.replicas == 3 && object.spec.replicas > 2', message: 'unexpected' }] }),
      rule('fourth', { validations: [{ expression: 'object.spec.replicas < 3', message: 'three replicas' }] }),
    ];
    assert.deepEqual(messages(rules), [
      'enforce ZT-RULE first: validations[0] could not be evaluated: field not found: labels (line 1, column 16)',
      'enforce ZT-RULE second: validations[0] could not be evaluated: field not found: labels (line 1, column 18)',
      'enforce ZT-RULE fourth: three replicas',
    ]);
    assert.deepEqual(messages(rules, deployment({ team: 'payments' }, 1)), ['enforce ZT-RULE third: unexpected']);
  });
});

describe('errors while rules run', () => {
  test("an absent field's error still says what and where, and the process's stack trace limit is restored", () => {
    const before = Error.stackTraceLimit;
    assert.deepEqual(messages([check("object.metadata.labels.team == 'payments'")]), [
      'enforce ZT-RULE check: validations[0] could not be evaluated: field not found: labels (line 1, column 16)',
    ]);
    assert.deepEqual(messages([check("object.metadata.labels.team == 'payments' || true")]), [], 'absorbed by ||');
    assert.equal(Error.stackTraceLimit, before);
    assert.ok((new Error('x').stack ?? '').includes('\n    at '), 'stacks are captured again after the rules ran');
  });
});

describe('rules matched by request shape, remembered per config', () => {
  test('each part of the shape counts: operation, group, resource, subresource, kind', () => {
    const fail = (name: string, match: Record<string, unknown>) => ({ name, match, validations: [{ expression: 'false', message: name }] });
    const config = configWithRules([
      fail('deployments-on-update', { kinds: ['Deployment'], operations: ['UPDATE'] }),
      fail('apps-group', { apiGroups: ['apps'], kinds: ['*'] }),
      fail('scale-subresource', { resources: ['deployments/scale'] }),
      fail('any-pod', { kinds: ['Pod'] }),
    ]);
    assert.ok(Object.isFrozen(config), 'a loaded config is frozen, so the shapes are remembered');
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' } };
    const fired = (object: JsonObject, options: Parameters<typeof requestFor>[1] = {}) =>
      evaluateRules(contextFor(requestFor(object, options), config)).violations.map((v) => v.summary).sort();
    // Each shape twice: the second answer comes from what the first worked out.
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(fired(deployment()), ['apps-group'], `create (round ${round})`);
      assert.deepEqual(fired(deployment(), { operation: 'UPDATE', oldObject: deployment() }), ['apps-group', 'deployments-on-update'], `update (round ${round})`);
      assert.deepEqual(fired(deployment(), { operation: 'UPDATE', oldObject: deployment(), subResource: 'scale' }), ['scale-subresource'], `scale (round ${round})`);
      assert.deepEqual(fired(pod), ['any-pod'], `pod (round ${round})`);
      assert.deepEqual(fired({ ...deployment(), apiVersion: 'example.com/v1' }, { resource: 'deployments' }), [], `another group (round ${round})`);
    }
  });
});

describe('modes and failure policy', () => {
  const failing = { validations: [{ expression: 'object.spec.replicas < 2', message: 'too many replicas' }] };
  const broken = { validations: [{ expression: 'object.spec.missing > 1' }] };
  const verdictFor = (extra: Record<string, unknown>) =>
    decide(requestFor(deployment()), facts(), configWithRules([rule('r', extra)], { protection: { excludeNamespaces: ['shop'] } }));

  test('enforce denies, even outside protected namespaces', () => {
    const verdict = verdictFor(failing);
    assert.equal(verdict.allowed, false);
    assert.deepEqual(verdict.denials.map((d) => d.message), ['ZT-RULE r: too many replicas']);
    assert.equal(verdict.denials[0]!.invariantId, 'rule:r');
  });

  test('warn allows with a warning', () => {
    const verdict = verdictFor({ ...failing, mode: 'warn' });
    assert.equal(verdict.allowed, true);
    assert.deepEqual(verdict.warnings, ['ZT-RULE r: too many replicas']);
  });

  test('audit allows with an audit annotation', () => {
    const verdict = verdictFor({ ...failing, mode: 'audit' });
    assert.equal(verdict.allowed, true);
    assert.deepEqual(Object.values(verdict.auditAnnotations), ['ZT-RULE r: too many replicas']);
  });

  test('an evaluation error with failurePolicy Fail is a denial in enforce mode', () => {
    const verdict = verdictFor(broken);
    assert.equal(verdict.allowed, false);
    assert.match(verdict.denials[0]!.message!, /^ZT-RULE r: validations\[0\] could not be evaluated: field not found: missing/);
  });

  test('an evaluation error with failurePolicy Ignore is allowed and recorded', () => {
    const verdict = verdictFor({ ...broken, failurePolicy: 'Ignore' });
    assert.equal(verdict.allowed, true);
    assert.deepEqual(verdict.violations.map((v) => v.mode), ['audit']);
    assert.match(Object.values(verdict.auditAnnotations)[0]!, /could not be evaluated.*\(ignored: failurePolicy Ignore\)$/);
  });

  test('rules never run in system namespaces', () => {
    const request = requestFor({ ...deployment(), metadata: { name: 'web', namespace: 'kube-system' } });
    const verdict = decide(request, facts(), configWithRules([rule('r', failing)]));
    assert.equal(verdict.allowed, true);
    assert.match(verdict.skipped ?? '', /kube-system/);
  });
});

describe('validations', () => {
  test('one error does not stop the other validations', () => {
    const result = messages([rule('r', { validations: [{ expression: 'object.nope' }, { expression: 'false', message: 'second' }] })]);
    assert.deepEqual(result, ['enforce ZT-RULE r: validations[0] could not be evaluated: field not found: nope (line 1, column 7)', 'enforce ZT-RULE r: second']);
  });

  test('a result that is not a bool is a failure', () => {
    assert.deepEqual(messages([check('object.metadata.name')]), ['enforce ZT-RULE check: validations[0] returned string, expected bool']);
  });

  test('without message or messageExpression, the expression is quoted', () => {
    assert.deepEqual(messages([rule('r', { validations: [{ expression: 'object.spec.replicas > 5' }] })]), ['enforce ZT-RULE r: failed expression: object.spec.replicas > 5']);
  });
});

describe('match conditions', () => {
  const conditions = (...expressions: string[]) => check('false', { matchConditions: expressions.map((expression, i) => ({ name: `c${i}`, expression })) });

  test('all true: the rule runs', () => assert.equal(messages([conditions('true', 'object.spec.replicas == 3')]).length, 1));
  test('one false: the rule is skipped, even if another errs', () => assert.deepEqual(messages([conditions('object.nope', 'false')]), []));
  test('an error and no false: a failure', () => {
    assert.deepEqual(messages([conditions('true', 'object.nope')]), ['enforce ZT-RULE check: matchConditions "c1" could not be evaluated: field not found: nope (line 1, column 7)']);
  });
});

describe('variables', () => {
  const items = (n: number): JsonObject => ({ ...deployment(), items: Array.from({ length: n }, (_, i) => i) });

  test('are evaluated at most once per review, however often they are read', () => {
    // 600 iterations fit a 1000-step budget once, not three times.
    const cached = rule('cached', {
      variables: [{ name: 'doubled', expression: 'object.items.map(x, x * 2)' }],
      validations: [
        { expression: 'variables.doubled.size() == 600' },
        { expression: 'variables.doubled[1] == 2' },
        { expression: "has(variables.doubled) && variables['doubled'][599] == 1198" },
      ],
    });
    const uncached = rule('uncached', { validations: [0, 1, 2].map(() => ({ expression: 'object.items.map(x, x * 2).size() == 600' })) });
    const run = (r: unknown) => evaluateRules(contextFor(requestFor(items(600)), withRuleLimits(configWithRules([r]), { maxSteps: 1000, evaluationBudgetMs: 60_000 }))).violations;
    assert.deepEqual(run(cached), []);
    assert.match(run(uncached)[0]?.message ?? '', /^ZT-RULE uncached: evaluation stopped: the review exceeded the evaluation budget/);
  });

  test('are lazy: an unread variable that would fail does no harm', () => {
    const lazy = rule('lazy', {
      variables: [{ name: 'broken', expression: 'object.nope.deeper' }],
      validations: [{ expression: 'true || variables.broken' }, { expression: "object.metadata.name == 'web'" }],
    });
    assert.deepEqual(messages([lazy]), []);
  });

  test('a failing variable fails the validation that reads it, naming the variable', () => {
    const reads = rule('reads', { variables: [{ name: 'broken', expression: 'object.nope' }], validations: [{ expression: "variables.broken == 'x'" }] });
    assert.deepEqual(messages([reads]), ['enforce ZT-RULE reads: validations[0] could not be evaluated: variables.broken: field not found: nope']);
  });
});

describe('audit annotations', () => {
  const annotations = (valueExpression: string) =>
    outcome([rule('a', { auditAnnotations: [{ key: 'note', valueExpression }] })]);

  test('a string becomes <rule>.<key>', () => assert.deepEqual(annotations("'replicas=' + string(object.spec.replicas)").auditAnnotations, { 'a.note': 'replicas=3' }));
  test('null adds nothing', () => assert.deepEqual(annotations('null'), { violations: [], auditAnnotations: {} }));
  // Kubernetes trims the value and leaves out an empty one: a conditional annotation must type as a string.
  test('an empty or blank string adds nothing', () => {
    assert.deepEqual(annotations("object.spec.replicas > 5 ? 'big' : ''"), { violations: [], auditAnnotations: {} });
    assert.deepEqual(annotations("'  '"), { violations: [], auditAnnotations: {} });
  });
  // The config file's rules are stored ones, loaded despite type errors (CompileOptions.typeErrors): as before.
  test('a conditional of a string and null, stored before types were checked, still runs', () => {
    assert.deepEqual(annotations("object.spec.replicas > 1 ? 'big' : null").auditAnnotations, { 'a.note': 'big' });
    assert.deepEqual(annotations("object.spec.replicas > 5 ? 'big' : null").auditAnnotations, {});
  });
  test('a value is trimmed', () => assert.deepEqual(annotations("' replicas=' + string(object.spec.replicas) + '\\n'").auditAnnotations, { 'a.note': 'replicas=3' }));
  test('anything else is a failure', () => {
    assert.deepEqual(annotations('object.spec.replicas').violations.map((v) => v.message), ['ZT-RULE a: auditAnnotations "note" returned int, expected string or null']);
  });
});

describe('the request as CEL sees it', () => {
  test('DELETE has a null object and the old one', () => {
    const config = configWithRules([rule('del', { match: { kinds: ['Deployment'], operations: ['DELETE'] }, validations: [{ expression: "object == null && oldObject.metadata.name == 'web' && request.operation == 'DELETE'" }] })]);
    const request = requestFor(deployment(), { operation: 'DELETE', oldObject: deployment() });
    assert.deepEqual(evaluateRules(contextFor(request, config)).violations, []);
  });

  test('CREATE has a null oldObject, and a namespaceObject when known', () => {
    const config = configWithRules([check("oldObject == null && namespaceObject.metadata.name == 'shop' && request.userInfo.username == 'alice@example.com'")]);
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
    assert.deepEqual(evaluateRules(contextFor(requestFor(deployment()), config, namespace)).violations, []);
    assert.deepEqual(evaluateRules(contextFor(requestFor(deployment()), configWithRules([check('namespaceObject == null')]))).violations, []);
  });
});

describe('a rule that did not load fails where it applies, by its failurePolicy (as a ValidatingAdmissionPolicy does)', () => {
  const broken = (extra: Record<string, unknown>) => rule('broken', { validations: [{ expression: 'objct.spec.replicas < 5' }], ...extra });
  const evaluated = (rules: unknown[], object: JsonObject = deployment()) => {
    const config = configWithRules(rules);
    assert.equal(config.rules.loadErrors.length, 1, 'the error is reported as before');
    return evaluateRules(contextFor(requestFor(object), config));
  };

  test('failurePolicy Fail (the default): a violation in the rule’s mode naming the load error', () => {
    assert.deepEqual(
      evaluated([broken({})]).violations.map((v) => `${v.mode} ${v.message}`),
      ["enforce ZT-RULE broken: the rule did not load: rules[0].validations[0].expression: line 1, column 1: undeclared reference to 'objct' (did you mean 'object'?)"],
    );
    assert.deepEqual(evaluated([broken({ mode: 'warn' })]).violations.map((v) => v.mode), ['warn']);
  });

  test('failurePolicy Ignore: recorded, not denied', () => {
    assert.deepEqual(evaluated([broken({ failurePolicy: 'Ignore' })]).violations.map((v) => [v.mode, v.message?.endsWith('(ignored: failurePolicy Ignore)')]), [['audit', true]]);
  });

  test('only where its match applies, and denied through decide', () => {
    const pod: JsonObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [] } };
    assert.deepEqual(evaluated([broken({})], pod).violations, []);
    const config = configWithRules([broken({})]);
    assert.equal(decide(requestFor(deployment()), facts(), config).allowed, false);
  });

  test('a rule whose match cannot be read is reported and applies nowhere: nothing says where it would', () => {
    const config = configWithRules([{ name: 'no-match', validations: [{ expression: 'objct' }] }]);
    assert.deepEqual(config.rules.rules, []);
    assert.deepEqual(config.rules.loadErrors.map((e) => e.path), ['rules[0].match']);
  });
});
