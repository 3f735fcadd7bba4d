import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildContext } from '../../../src/engine/decide.js';
import { protectedAllowRules } from '../../../src/invariants/net/calico-policy.js';
import { admissionRequest, calico, factsFor, SECURITY_ADMIN } from './support.js';
import { defaultConfig } from '../../../src/config/parse.js';

const policy = () =>
  calico('GlobalNetworkPolicy', 'security.gate', {
    tier: 'security',
    selector: 'all()',
    ingress: [{ action: 'Allow', source: { nets: ['0.0.0.0/0'] } }, { action: 'Deny' }, { action: 'Allow', source: { selector: 'app == "web"' } }],
  });

function contextOf(object = policy()) {
  return buildContext(admissionRequest(object, { user: SECURITY_ADMIN }), factsFor(), defaultConfig());
}

describe('the Calico rule analysis shared by ZT-NET-001 and ZT-NET-002', () => {
  test('is computed once per review: both invariants read the same analysis', () => {
    const ctx = contextOf();
    const rules = protectedAllowRules(ctx);
    assert.equal(protectedAllowRules(ctx), rules);
    assert.deepEqual(
      rules.map(({ rule, peer }) => [rule.path, peer.unrestricted ?? null]),
      [
        ['spec.ingress[0]', 'its nets include 0.0.0.0/0'],
        ['spec.ingress[2]', null],
      ],
    );
  });

  test('is per review: a new review of the same object, or of another, is analysed afresh', () => {
    const object = policy();
    const first = contextOf(object);
    const rules = protectedAllowRules(first);
    const again = contextOf(object);
    assert.notEqual(protectedAllowRules(again), rules);
    assert.deepEqual(protectedAllowRules(again), rules);
    const other = contextOf(calico('GlobalNetworkPolicy', 'security.other', { tier: 'security', ingress: [] }));
    assert.deepEqual(protectedAllowRules(other), []);
    // Back to the first review: still its own analysis, not the last one computed.
    assert.deepEqual(protectedAllowRules(first), rules);
  });
});
