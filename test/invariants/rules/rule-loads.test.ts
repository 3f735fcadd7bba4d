import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { denialLine } from '../../../src/engine/messages.js';
import type { JsonObject } from '../../../src/util/json.js';
import { configWith, findingsOf, review } from '../net/support.js';

const ID = 'ZT-RULE-001';

function rule(name: string, spec: JsonObject, apiVersion = 'ztgate.io/v1alpha1'): JsonObject {
  return { apiVersion, kind: 'ZeroTrustRule', metadata: { name }, spec };
}

const VALID = { match: { kinds: ['Pod'] }, validations: [{ expression: "object.spec.containers.all(c, !c.image.endsWith(':latest'))" }] };

/** [description, spec, [path, summary fragment] per finding] */
const CASES: [string, JsonObject, [string, string][]][] = [
  ['a rule that compiles', VALID, []],
  [
    'an undeclared reference in a validation',
    { match: { kinds: ['Pod'] }, validations: [{ expression: 'objct.spec.containers.size() > 0' }] },
    [['spec.validations[0].expression', "line 1, column 1: undeclared reference to 'objct' (did you mean 'object'?)"]],
  ],
  [
    'a regular expression RE2 refuses',
    { match: { kinds: ['Pod'] }, validations: [{ expression: "object.metadata.name.matches('[')" }] },
    [['spec.validations[0].expression', 'invalid regular expression "["']],
  ],
  [
    'a validation that can only yield a string',
    { match: { kinds: ['Pod'] }, validations: [{ expression: "object.metadata.name + ':latest'" }] },
    [['spec.validations[0].expression', 'line 1, column 22: a validation must evaluate to bool, but this expression evaluates to string']],
  ],
  ['no match', { validations: [{ expression: 'true' }] }, [['spec.match', 'is required']]],
  ['an unknown key in the spec', { ...VALID, validation: [] }, [['spec.validation', 'unknown key']]],
  ['neither a validation nor an audit annotation', { match: { kinds: ['Pod'] } }, [['spec', 'at least one']]],
  [
    'two broken expressions, each reported',
    { match: { kinds: ['Pod'] }, variables: [{ name: 'x', expression: '1 +' }], validations: [{ expression: 'variables.y' }] },
    [
      ['spec.variables[0].expression', 'line 1'],
      ['spec.validations[0].expression', ''],
    ],
  ],
];

describe('ZT-RULE-001 ZeroTrustRules compile', () => {
  for (const [description, spec, expected] of CASES) {
    test(`${description}: ${expected.length === 0 ? 'admitted' : 'denied'}`, () => {
      for (const operation of ['CREATE', 'UPDATE'] as const) {
        const object = rule('r', spec);
        const verdict = review(object, operation === 'UPDATE' ? { operation, oldObject: rule('r', VALID) } : { operation });
        const findings = findingsOf(verdict, ID);
        assert.equal(findings.length, expected.length, `${operation}: ${JSON.stringify(findings)}`);
        findings.forEach((finding, i) => {
          assert.equal(finding.path, expected[i]![0], operation);
          assert.ok(finding.summary.startsWith('ZeroTrustRule "r" does not compile: '), finding.summary);
          assert.ok(finding.summary.includes(expected[i]![1]), `${operation}: ${finding.summary}`);
        });
        assert.equal(verdict.allowed, expected.length === 0, operation);
      }
    });
  }

  test('the denial is one line naming the field and the position in the expression', () => {
    const verdict = review(rule('no-latest', { match: { kinds: ['Pod'] }, validations: [{ expression: 'objct.x' }] }));
    assert.equal(
      denialLine(verdict.denials[0]!),
      "ZT-RULE-001: ZeroTrustRule \"no-latest\" does not compile: line 1, column 1: undeclared reference to 'objct' (did you mean 'object'?) (spec.validations[0].expression); every request the rule matches would fail by its failurePolicy instead of being judged by what it states. Correct the rule (docs/rules.md); `ztgate check -f` shows the same error offline.",
    );
  });

  test('a type error says why kube-apiserver refuses it, not that every request would fail', () => {
    const verdict = review(rule('typed', { match: { kinds: ['Pod'] }, validations: [{ expression: "size(object.spec.containers) + 'x' == 'y'" }] }));
    assert.equal(
      denialLine(verdict.denials[0]!),
      "ZT-RULE-001: ZeroTrustRule \"typed\" does not compile: line 1, column 30: found no matching overload for '_+_' applied to '(int, string)' (spec.validations[0].expression); kube-apiserver refuses the same expression in a ValidatingAdmissionPolicy: its types do not fit, so where it runs it fails by the rule’s failurePolicy instead of judging by what it states. Correct the rule (docs/rules.md); `ztgate check -f` shows the same error offline.",
    );
  });

  test('the name of a rule in the config file is refused: the config file’s rule would win', () => {
    const config = configWith({ rules: [{ name: 'no-latest', match: { kinds: ['Pod'] }, validations: [{ expression: 'true' }] }] });
    const verdict = review(rule('no-latest', VALID), {}, config);
    assert.deepEqual(
      findingsOf(verdict, ID).map((f) => [f.path, f.summary]),
      [['metadata.name', 'ZeroTrustRule "no-latest" has the name of a rule in ztgate\'s config file']],
    );
    assert.equal(review(rule('other-name', VALID), {}, config).allowed, true);
  });

  test('a metadata-only update of a broken rule stored before ztgate is let through; a spec change is judged', () => {
    const broken = rule('r', { match: { kinds: ['Pod'] }, validations: [{ expression: 'objct' }] });
    const labelled = { ...broken, metadata: { name: 'r', labels: { team: 'x' } } };
    assert.deepEqual(findingsOf(review(labelled, { operation: 'UPDATE', oldObject: broken }), ID), []);
    const respecified = rule('r', { match: { kinds: ['Pod', 'Deployment'] }, validations: [{ expression: 'objct' }] });
    assert.equal(findingsOf(review(respecified, { operation: 'UPDATE', oldObject: broken }), ID).length, 1);
  });

  test('deleting a rule, even a broken one, is not judged', () => {
    const verdict = review(rule('r', { validations: [] }), { operation: 'DELETE' });
    assert.deepEqual(findingsOf(verdict, ID), []);
  });

  test('only ztgate.io ZeroTrustRules: another group’s kind of the same name is not ours', () => {
    assert.deepEqual(findingsOf(review(rule('r', {}, 'example.com/v1')), ID), []);
  });

  test('mode warn admits the broken rule with a warning', () => {
    const verdict = review(rule('r', { match: { kinds: ['Pod'] }, validations: [{ expression: 'objct' }] }), {}, configWith({ invariants: { 'ZT-RULE-001': 'warn' } }));
    assert.equal(verdict.allowed, true);
    assert.ok(verdict.warnings.some((line) => line.startsWith('ZT-RULE-001: ZeroTrustRule "r" does not compile')), JSON.stringify(verdict.warnings));
  });
});
