import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../src/util/json.js';
import { ALICE, CALICO_APISERVER, calico, findingsOf, review, SECURITY_ADMIN } from './support.js';

/** [invariant, a violating object, who may write it apart from that invariant] */
const VIOLATING: [string, JsonObject, { username: string; groups: string[] }][] = [
  ['ZT-NET-001', calico('GlobalNetworkPolicy', 'open', { tier: 'security', ingress: [{ action: 'Allow' }] }), SECURITY_ADMIN],
  ['ZT-NET-001', calico('GlobalNetworkPolicy', 'security.open', { tier: 'security', ingress: [{ action: 'Allow' }] }, 'crd'), CALICO_APISERVER],
  [
    'ZT-NET-002',
    calico('NetworkPolicy', 'web', { tier: 'security', selector: 'app == "api"', ingress: [{ action: 'Allow', source: { selector: 'app == "web"' } }] }),
    SECURITY_ADMIN,
  ],
  [
    'ZT-NET-005',
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'open', namespace: 'shop' }, spec: { podSelector: {}, ingress: [{}] } },
    ALICE,
  ],
  [
    'ZT-NET-006',
    { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'p', namespace: 'shop' }, spec: { mtls: { mode: 'PERMISSIVE' } } },
    ALICE,
  ],
  [
    'ZT-NET-007',
    { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'a', namespace: 'shop' }, spec: { rules: [{}] } },
    ALICE,
  ],
];

function relabelled(object: JsonObject): JsonObject {
  const metadata = object['metadata'] as JsonObject;
  return { ...object, metadata: { ...metadata, labels: { owner: 'platform' }, finalizers: ['example.com/cleanup'] } };
}

describe('an UPDATE that leaves spec unchanged is not judged again', () => {
  for (const [id, object, user] of VIOLATING) {
    const apiVersion = String(object['apiVersion']);
    test(`${id} (${apiVersion} ${String(object['kind'])}): a metadata-only update passes`, () => {
      const verdict = review(relabelled(object), { operation: 'UPDATE', oldObject: object, user });
      assert.deepEqual(findingsOf(verdict, id), []);
    });

    test(`${id} (${apiVersion} ${String(object['kind'])}): any spec change is judged in full`, () => {
      const spec = object['spec'] as JsonObject;
      const changed = { ...object, spec: { ...spec, extra: 'x' } };
      const verdict = review(changed, { operation: 'UPDATE', oldObject: object, user });
      assert.ok(findingsOf(verdict, id).length > 0);
    });
  }

  test('tier ownership still applies to metadata-only updates', () => {
    const object = calico('NetworkPolicy', 'gate', { tier: 'security' });
    const verdict = review(relabelled(object), { operation: 'UPDATE', oldObject: object, user: ALICE });
    assert.equal(findingsOf(verdict, 'ZT-NET-003').length, 1);
  });
});
