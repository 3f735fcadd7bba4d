import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../../src/config/parse.js';
import { compiledRuleObject } from '../../../src/invariants/rules/rule-loads.js';
import { configRuleReachNotices } from '../../../src/invariants/rules/rule-reach.js';
import type { JsonObject } from '../../../src/util/json.js';
import { configWith, findingsOf, review } from '../net/support.js';

const ID = 'ZT-RULE-002';
const VALIDATIONS = [{ expression: "has(object.metadata.labels) && 'team' in object.metadata.labels" }];

function rule(name: string, match: JsonObject): JsonObject {
  return { apiVersion: 'ztgate.io/v1alpha1', kind: 'ZeroTrustRule', metadata: { name }, spec: { match, validations: VALIDATIONS } };
}

/** [description, match, [path, what is never sent] per finding] */
const CASES: [string, JsonObject, [string, string][]][] = [
  ['Pods and Deployments on create and update', { apiGroups: ['', 'apps'], kinds: ['Pod', 'Deployment'] }, []],
  ['every kind', { kinds: ['*'], operations: ['*'] }, []],
  ['Calico policy, deletions included', { apiGroups: ['projectcalico.org'], kinds: ['GlobalNetworkPolicy', 'NetworkPolicy'], operations: ['CREATE', 'UPDATE', 'DELETE'] }, []],
  ['a subresource that is sent', { resources: ['pods/ephemeralcontainers'] }, []],
  ['a kind no webhook lists', { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] }, [['spec.match.kinds[0]', 'kind Ingress']]],
  ['a kind sent only in another group', { apiGroups: [''], kinds: ['NetworkPolicy'] }, [['spec.match.kinds[0]', 'kind NetworkPolicy in group ""']]],
  ['DELETE of a Pod', { kinds: ['Pod'], operations: ['CREATE', 'DELETE'] }, [['spec.match.operations', 'DELETE of Pod']]],
  ['CONNECT, which nothing sends', { resources: ['pods/exec'], operations: ['CONNECT'] }, [['spec.match.resources[0]', 'resource pods/exec']]],
  ['a resource no webhook lists', { resources: ['configmaps', 'pods'] }, [['spec.match.resources[0]', 'resource configmaps']]],
  ['a subresource that is not sent', { resources: ['pods/status'] }, [['spec.match.resources[0]', 'resource pods/status']]],
  ['every subresource of Pods: ephemeralcontainers is one', { resources: ['pods/*'] }, []],
  ['a system namespace and ztgate’s own', { kinds: ['Pod'], namespaces: ['shop', 'kube-system', 'ztgate-system'] }, [['spec.match.namespaces', 'namespaces kube-system, ztgate-system']]],
  [
    'several at once, each once',
    { apiGroups: ['*'], kinds: ['Pod', 'Deployment', 'ConfigMap'], operations: ['UPDATE', 'DELETE'] },
    [
      ['spec.match.operations', 'DELETE of Pod'],
      ['spec.match.operations', 'DELETE of Deployment'],
      ['spec.match.kinds[2]', 'kind ConfigMap'],
    ],
  ],
];

describe('ZT-RULE-002 ZeroTrustRules match only what ztgate is sent', () => {
  for (const [description, match, expected] of CASES) {
    test(`${description}: ${expected.length === 0 ? 'no warning' : 'warned'}`, () => {
      const verdict = review(rule('team-labels', match));
      assert.deepEqual(
        findingsOf(verdict, ID).map((finding) => [finding.path, finding.summary]),
        expected.map(([path, what]) => [path, `ZeroTrustRule "team-labels": ztgate is never sent ${what}`]),
      );
      assert.equal(verdict.allowed, true, 'warn mode admits the rule');
      assert.equal(verdict.warnings.filter((line) => line.startsWith(`${ID}: `)).length, expected.length, JSON.stringify(verdict.warnings));
    });
  }

  test('the warning reads in kubectl: id, rule, what is never sent, the field', () => {
    const verdict = review(rule('team-labels', { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] }));
    assert.deepEqual(verdict.warnings, ['ZT-RULE-002: ZeroTrustRule "team-labels": ztgate is never sent kind Ingress (spec.match.kinds[0])']);
  });

  test('enforce mode refuses it, with why and how to fix', () => {
    const verdict = review(rule('r', { kinds: ['ConfigMap'] }), {}, configWith({ invariants: { [ID]: 'enforce' } }));
    assert.equal(verdict.allowed, false);
    assert.match(verdict.denials.map((denial) => denial.summary).join('\n'), /ztgate is never sent kind ConfigMap/);
  });

  test('ZT-RULE-001 and ZT-RULE-002 compile the request’s rule once: the same object and limits give the same result', () => {
    const object = rule('r', { kinds: ['Pod'] });
    const { limits } = defaultConfig().rules;
    const first = compiledRuleObject(object, limits);
    assert.equal(compiledRuleObject(object, limits), first);
    assert.notEqual(compiledRuleObject(object, { ...limits }), first, 'other limits compile anew');
  });

  test('a rule that does not compile is ZT-RULE-001’s alone', () => {
    const broken = { ...rule('r', { kinds: ['ConfigMap'] }), spec: { match: { kinds: ['ConfigMap'] }, validations: [{ expression: 'objct' }] } };
    const verdict = review(broken);
    assert.deepEqual(findingsOf(verdict, ID), []);
    assert.equal(findingsOf(verdict, 'ZT-RULE-001').length, 1);
  });

  test('a metadata-only update is not judged; a spec change is', () => {
    const stored = rule('r', { kinds: ['ConfigMap'] });
    const labelled = { ...stored, metadata: { name: 'r', labels: { team: 'x' } } };
    assert.deepEqual(findingsOf(review(labelled, { operation: 'UPDATE', oldObject: stored }), ID), []);
    assert.equal(findingsOf(review(rule('r', { kinds: ['ConfigMap', 'Secret'] }), { operation: 'UPDATE', oldObject: stored }), ID).length, 2);
  });

  test('the config file’s rules: what the registration cannot send is a notice for serve to log', () => {
    const config = configWith({
      rules: [
        { name: 'fine', match: { kinds: ['Pod'] }, validations: VALIDATIONS },
        // Routed: the registration rendered from this config sends Ingresses to rules.ztgate.io.
        { name: 'ingress-tls', match: { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'], operations: ['CREATE', 'DELETE'] }, validations: VALIDATIONS },
        { name: 'leases', match: { apiGroups: ['coordination.k8s.io'], kinds: ['Lease'] }, validations: VALIDATIONS },
        { name: 'widgets', match: { kinds: ['Widget'], namespaces: ['kube-system'] }, validations: VALIDATIONS },
      ],
    });
    assert.deepEqual(configRuleReachNotices(config), [
      'rule "leases" (ZT-RULE-002): ztgate is never sent kind Lease (match.kinds[0]), so the rule never runs there',
      'rule "widgets" (ZT-RULE-002): ztgate is never sent kind Widget (match.kinds[0]), so the rule never runs there',
      'rule "widgets" (ZT-RULE-002): ztgate is never sent namespace kube-system (match.namespaces), so the rule never runs there',
    ]);
  });

  test('a ZeroTrustRule on what the config file’s rules have sent is not warned', () => {
    const config = configWith({ rules: [{ name: 'ingress-tls', match: { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] }, validations: VALIDATIONS }] });
    const match = { apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] };
    assert.deepEqual(findingsOf(review(rule('ingress-owner', match), {}, config), ID), []);
    assert.equal(findingsOf(review(rule('ingress-owner', match)), ID).length, 1, 'without the config rule it is');
  });
});
