import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../../src/config/parse.js';
import { isProtectedNamespace } from '../../../src/engine/scope.js';
import { netInvariants } from '../../../src/invariants/net/index.js';
import { invariantById } from '../../../src/invariants/registry.js';
import { review } from './support.js';

test('ZT-NET-001..011 are registered in id order', () => {
  assert.deepEqual(
    netInvariants.map((invariant) => invariant.id),
    ['ZT-NET-001', 'ZT-NET-002', 'ZT-NET-003', 'ZT-NET-004', 'ZT-NET-005', 'ZT-NET-006', 'ZT-NET-007', 'ZT-NET-008', 'ZT-NET-009', 'ZT-NET-010', 'ZT-NET-011'],
  );
  for (const invariant of netInvariants) assert.equal(invariantById(invariant.id), invariant);
});

test('ZT-NET-002 warns by default, the others enforce', () => {
  const modes = Object.fromEntries(netInvariants.map((invariant) => [invariant.id, invariant.defaultMode]));
  assert.deepEqual(modes, {
    'ZT-NET-001': 'enforce',
    'ZT-NET-002': 'warn',
    'ZT-NET-003': 'enforce',
    'ZT-NET-004': 'enforce',
    'ZT-NET-005': 'enforce',
    'ZT-NET-006': 'enforce',
    'ZT-NET-007': 'enforce',
    'ZT-NET-008': 'enforce',
    'ZT-NET-009': 'enforce',
    'ZT-NET-010': 'enforce',
    'ZT-NET-011': 'enforce',
  });
});

test('tier ownership, validity, external IPs, VirtualService hosts and ServiceEntry endpoints run in every non-system namespace, the rest in protected ones', () => {
  const everywhere = netInvariants.filter((invariant) => invariant.scope === 'everywhere').map((invariant) => invariant.id);
  assert.deepEqual(everywhere, ['ZT-NET-003', 'ZT-NET-004', 'ZT-NET-008', 'ZT-NET-010', 'ZT-NET-011']);
});

test('the default config protects tier security, owned by group ztgate:security-admins', () => {
  const { policy } = defaultConfig();
  assert.deepEqual(policy.tiers, [{ name: 'security', protected: true, owners: { users: [], groups: ['ztgate:security-admins'] }, order: 100 }]);
});

test('every namespace but the system ones and ztgate’s own is protected by default', () => {
  const config = defaultConfig();
  for (const namespace of ['default', 'shop', 'istio-system', 'calico-system', 'monitoring']) {
    assert.equal(isProtectedNamespace(namespace, {}, config), true, namespace);
  }
  for (const namespace of ['kube-system', 'kube-public', 'kube-node-lease', 'ztgate-system']) {
    assert.equal(isProtectedNamespace(namespace, {}, config), false, namespace);
  }
});

test('an allow-all NetworkPolicy is denied in an ordinary namespace and never evaluated in kube-system', () => {
  const policy = (namespace: string) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'open', namespace },
    spec: { podSelector: {}, ingress: [{}] },
  });
  assert.equal(review(policy('shop')).allowed, false);
  const system = review(policy('kube-system'));
  assert.equal(system.allowed, true);
  assert.match(system.skipped ?? '', /kube-system is never evaluated/);
});
