/**
 * Bypasses ztgate does NOT close, pinned as they are today so docs/security.md stays honest: when one of
 * these starts failing, a gap was closed (or moved) and the "Known gaps" section must say so.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultConfig, parseConfig } from '../../src/config/parse.js';
import { runReview } from '../../src/review/review.js';
import type { JsonObject } from '../../src/util/json.js';
import { validatingWebhookConfiguration } from '../../src/manifests/webhooks.js';
import { namespace } from '../support/app.js';
import { reviewOf } from '../support/reviews.js';
import { StaticNamespaceSource } from '../../src/facts/static.js';

const ALICE = { username: 'alice', groups: ['system:authenticated'] };
const config = defaultConfig();
const namespaces = new StaticNamespaceSource([namespace('shop'), namespace('kube-system')]);

function allowed(object: JsonObject, options: Parameters<typeof reviewOf>[1] = {}): { allowed: boolean; message: string } {
  const outcome = runReview('validate', reviewOf(object, { userInfo: ALICE, ...options }), { config, namespaces, now: new Date() });
  assert.ok(outcome.ok);
  return { allowed: outcome.response.allowed, message: outcome.response.status?.message ?? '' };
}

/** The validating webhooks as `ztgate manifests` renders them by default. */
function validatingWebhooks(): Record<string, unknown>[] {
  return validatingWebhookConfiguration({ namespace: 'ztgate-system', image: 'ztgate:gap' })['webhooks'] as Record<string, unknown>[];
}

const namespaceObject = (name: string, labels: Record<string, string>): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: { ...labels, 'kubernetes.io/metadata.name': name } },
});

const calico = (kind: string, name: string, spec: JsonObject, namespaceName?: string): JsonObject => ({
  apiVersion: 'projectcalico.org/v3',
  kind,
  metadata: namespaceName ? { name, namespace: namespaceName } : { name },
  spec,
});

describe('known gaps (pinned)', () => {
  test('GAP: a Tier that is already ahead of security, and an allow-all policy in it, are not judged', () => {
    assert.equal(allowed(calico('Tier', 'early', { order: 1 })).allowed, false, 'placing it there is judged (ZT-NET-003)');
    const relabelled = { ...calico('Tier', 'early', { order: 1 }), metadata: { name: 'early', labels: { team: 'x' } } };
    assert.equal(allowed(relabelled, { operation: 'UPDATE', oldObject: calico('Tier', 'early', { order: 1 }) }).allowed, true, 'a Tier already there is not judged again');
    const allowAll = calico('GlobalNetworkPolicy', 'early.everything', { tier: 'early', order: 1, ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] });
    assert.equal(allowed(allowAll).allowed, true, 'ztgate does not read Tiers, so it cannot know early runs first; ZT-NET-001 only judges protected tiers');
    assert.equal(allowed(calico('GlobalNetworkPolicy', 'security.everything', { tier: 'security', order: 1, ingress: [{ action: 'Allow' }] })).allowed, false, 'the same policy in the protected tier is denied');
  });

  test('GAP: policies written in a system namespace are never evaluated, even in the protected tier', () => {
    const inKubeSystem = calico('NetworkPolicy', 'security.open', { tier: 'security', selector: 'all()', ingress: [{ action: 'Allow' }] }, 'kube-system');
    assert.equal(allowed(inKubeSystem).allowed, true);
    const inShop = calico('NetworkPolicy', 'security.open', { tier: 'security', selector: 'all()', ingress: [{ action: 'Allow' }] }, 'shop');
    assert.equal(allowed(inShop).allowed, false, 'the same policy in an ordinary namespace is denied (ZT-NET-003)');
  });

  test('GAP: a namespace label that only Calico policies read is not guarded unless listed in protection.identityLabels', () => {
    const before = namespaceObject('shop', { 'istio-injection': 'enabled' });
    const after = namespaceObject('shop', { 'istio-injection': 'enabled', team: 'payments' });
    const update = { operation: 'UPDATE' as const, namespace: 'shop', oldObject: before };
    assert.equal(allowed(after, update).allowed, true, 'a Calico namespaceSelector such as team == "payments" now selects shop');
    const listed = parseConfig({ protection: { identityLabels: ['team'] } }, 'gap');
    const outcome = runReview('validate', reviewOf(after, { userInfo: ALICE, ...update }), { config: listed, namespaces, now: new Date() });
    assert.ok(outcome.ok);
    assert.equal(outcome.response.allowed, false, 'listed as identity, the label is the owners’ to change (ZT-NS-001)');
    const leaving = namespaceObject('shop', { team: 'payments' });
    assert.equal(allowed(leaving, update).allowed, false, 'leaving the mesh in the same update is refused (ZT-NS-001)');
  });

  test('GAP: while ztgate is down, a new Namespace is created unjudged: its first labels may put it under an exception', () => {
    const creation = validatingWebhooks().find((webhook) => (webhook.rules as { operations: string[]; resources: string[] }[]).some((rule) => rule.resources.includes('namespaces') && rule.operations.includes('CREATE')));
    assert.equal(creation?.failurePolicy, 'Ignore', 'namespace creation fails open, so it never waits for ztgate');
    const withExceptionLabel = parseConfig({ exceptions: [{ name: 'legacy', invariants: ['ZT-POD-005'], namespaceSelector: { matchLabels: { legacy: 'true' } }, reason: 'q3' }] }, 'gap');
    const outcome = runReview('validate', reviewOf(namespaceObject('fresh', { legacy: 'true' }), { userInfo: ALICE, namespace: 'fresh' }), { config: withExceptionLabel, namespaces, now: new Date() });
    assert.ok(outcome.ok);
    assert.equal(outcome.response.allowed, false, 'with ztgate up, the same creation is refused (ZT-NS-001)');
  });

  test('GAP: AdminNetworkPolicy and BaselineAdminNetworkPolicy are not sent to ztgate at all', () => {
    const groups = validatingWebhooks().flatMap((webhook) => (webhook.rules as { apiGroups: string[] }[]).flatMap((rule) => rule.apiGroups));
    assert.equal(groups.includes('policy.networking.k8s.io'), false, 'no webhook rule names the group, so no invariant or custom rule can see them');
    assert.equal(groups.includes('*'), false);
  });

  test("GAP: Services exposing a workload, Ingresses and Gateways are not judged by any built-in invariant (only a Service's externalIPs are)", () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } };
    assert.equal(allowed(service).allowed, true);
    const nodePort = { ...service, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } };
    assert.equal(allowed(nodePort).allowed, true);
  });

  test('GAP: a gateway-bound VirtualService, a VirtualService whose host is an address, and a ServiceEntry without endpoints are not judged for naming other namespaces’ services', () => {
    const route = (spec: JsonObject): JsonObject => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'reviews', namespace: 'shop' }, spec });
    assert.equal(allowed(route({ hosts: ['reviews.payments.svc.cluster.local'], gateways: ['istio-system/shared'] })).allowed, true);
    assert.equal(allowed(route({ hosts: ['10.96.0.15'] })).allowed, true, 'a ClusterIP as a host');
    const entry = (spec: JsonObject): JsonObject => ({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'reviews', namespace: 'shop' }, spec: { hosts: ['reviews.payments.svc.cluster.local'], addresses: ['10.96.0.0/12'], ...spec } });
    assert.equal(allowed(entry({ resolution: 'NONE' })).allowed, true, 'no endpoints: the original address decides');
    assert.equal(allowed(route({ hosts: ['reviews.payments.svc.cluster.local'] })).allowed, false, 'the mesh-bound VirtualService is refused (ZT-NET-010)');
    assert.equal(allowed(entry({ resolution: 'STATIC', endpoints: [{ address: '10.1.2.3' }] })).allowed, false, 'a ServiceEntry with endpoints is refused (ZT-NET-011)');
  });

  test("GAP: a Service's status (services/status, where load balancer controllers write their addresses) is not sent to ztgate", () => {
    const resources = validatingWebhooks().flatMap((webhook) => (webhook.rules as { resources: string[] }[]).flatMap((rule) => rule.resources));
    assert.equal(resources.includes('services/status') || resources.includes('services/*') || resources.includes('*/status'), false);
    assert.ok(resources.includes('services'), 'the Service itself is (ZT-NET-008)');
  });
});
