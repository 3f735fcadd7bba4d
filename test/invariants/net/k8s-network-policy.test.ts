import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../src/util/json.js';
import { configWith, expectFindingPaths, review } from './support.js';

const ID = 'ZT-NET-005';

function networkPolicy(spec: JsonObject, namespace = 'shop'): JsonObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'web', namespace },
    spec: { podSelector: { matchLabels: { app: 'web' } }, ...spec },
  };
}

/** [description, spec, paths of the findings] */
const CASES: [string, JsonObject, string[]][] = [
  ['an empty ingress rule', { ingress: [{}] }, ['spec.ingress[0]']],
  ['an ingress rule with ports but no from', { ingress: [{ ports: [{ port: 443 }] }] }, ['spec.ingress[0]']],
  ['from: []', { ingress: [{ from: [] }] }, ['spec.ingress[0]']],
  ['from: [{}]', { ingress: [{ from: [{}] }] }, ['spec.ingress[0].from[0]']],
  ['namespaceSelector {} alone', { ingress: [{ from: [{ namespaceSelector: {} }] }] }, ['spec.ingress[0].from[0]']],
  ['namespaceSelector {} with podSelector {}', { ingress: [{ from: [{ namespaceSelector: {}, podSelector: {} }] }] }, ['spec.ingress[0].from[0]']],
  ['ipBlock 0.0.0.0/0', { ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] }, ['spec.ingress[0].from[0]']],
  ['ipBlock ::/0', { ingress: [{ from: [{ ipBlock: { cidr: '::/0' } }] }] }, ['spec.ingress[0].from[0]']],
  ['ipBlock 0.0.0.0/0 with an empty except', { ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: [] } }] }] }, ['spec.ingress[0].from[0]']],
  ['an open peer after a narrow one', { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }, { ipBlock: { cidr: '0.0.0.0/0' } }] }] }, ['spec.ingress[0].from[1]']],
  ['an empty egress rule', { egress: [{}] }, ['spec.egress[0]']],
  ['egress to 0.0.0.0/0', { egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] }, ['spec.egress[0].to[0]']],
  ['open ingress and egress', { ingress: [{}], egress: [{ to: [{ namespaceSelector: {} }] }] }, ['spec.ingress[0]', 'spec.egress[0].to[0]']],
  ['Pods of the same namespace (podSelector {})', { ingress: [{ from: [{ podSelector: {} }] }] }, []],
  ['labelled namespaces', { ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } } }] }] }, []],
  ['all namespaces but labelled Pods', { ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'a' } } }] }] }, []],
  ['namespaces by expression', { ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] } }] }] }, []],
  ['0.0.0.0/0 with exceptions', { egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }] }, []],
  ['a narrow ipBlock', { egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] }, []],
  ['no rules (deny all)', { policyTypes: ['Ingress', 'Egress'] }, []],
];

describe('ZT-NET-005', () => {
  for (const [description, spec, paths] of CASES) {
    test(`${description} → ${paths.length === 0 ? 'allowed' : 'denied'}`, () => {
      expectFindingPaths(ID, networkPolicy(spec), paths);
    });
  }

  test('the message names the rule, the peer and the fix', () => {
    const verdict = review(networkPolicy({ ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] }));
    assert.equal(
      verdict.denials[0]!.summary,
      'ingress rule 0 allows every source: ipBlock 0.0.0.0/0 without except matches every address',
    );
    assert.match(verdict.denials[0]!.fix, /^List the allowed peers in from/);
  });

  test('UPDATE is checked like CREATE', () => {
    const verdict = review(networkPolicy({ ingress: [{}] }), { operation: 'UPDATE', oldObject: networkPolicy({}) });
    assert.equal(verdict.allowed, false);
  });

  test('namespaces outside protection are not checked', () => {
    const config = configWith({ protection: { excludeNamespaces: ['sandbox'] } });
    assert.equal(review(networkPolicy({ ingress: [{}] }, 'sandbox'), {}, config).allowed, true);
  });

  test('DELETE of an open policy is allowed', () => {
    assert.equal(review(networkPolicy({ ingress: [{}] }), { operation: 'DELETE' }).allowed, true);
  });
});
