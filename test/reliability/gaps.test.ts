/**
 * Bypasses ztgate does NOT close, pinned as they are today so docs/security.md stays honest: when one of
 * these starts failing, a gap was closed (or moved) and the "Known gaps" section must say so.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultConfig } from '../../src/config/parse.js';
import { runReview } from '../../src/review/review.js';
import type { JsonObject } from '../../src/util/json.js';
import { EVERYWHERE_RULES, MUTATING_RULES, PROTECTED_RULES } from '../../src/manifests/webhooks.js';
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

  test('GAP: Namespace objects are not sent to the validating webhooks, so relabelling a namespace is not reviewed', () => {
    const resources = [...PROTECTED_RULES, ...EVERYWHERE_RULES, ...MUTATING_RULES].flatMap((rule) => rule.resources);
    assert.equal(resources.includes('namespaces'), false);
    assert.equal(resources.includes('*'), false);
  });

  test('GAP: Services, Ingresses and Gateways are not judged by any built-in invariant', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } };
    assert.equal(allowed(service).allowed, true);
  });
});
