/** deploy/policies/guard.yaml: the pack's ZeroTrustRule that keeps its objects outside the security tier to the security team. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRuleObjects, mergeRuleSets } from '../../src/cel/config.js';
import { defaultConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { StaticNamespaceSource } from '../../src/facts/static.js';
import { runReview } from '../../src/review/review.js';
import type { JsonObject } from '../../src/util/json.js';
import { namespace } from '../support/app.js';
import { reviewOf, type ReviewOptions } from '../support/reviews.js';
import { nameOf, packObjects } from './support.js';

const pack = packObjects().map((object) => object.value);
const guard = pack.find((object) => object['kind'] === 'ZeroTrustRule' && nameOf(object) === 'policy-pack-guard');
const anchor = pack.find((object) => nameOf(object) === 'zero-trust-default-deny')!;
const peerAuthentication = pack.find((object) => object['kind'] === 'PeerAuthentication')!;

function configWithGuard(): Config {
  const base = defaultConfig();
  const cluster = compileRuleObjects([guard], 'ZeroTrustRule', base.rules.limits);
  assert.deepEqual(cluster.loadErrors, []);
  return { ...base, rules: mergeRuleSets(base.rules, cluster) };
}

const config = configWithGuard();
const namespaces = new StaticNamespaceSource([namespace('istio-system'), namespace('shop')]);
const BOB = { username: 'bob', groups: ['system:authenticated', 'shop-developers'] };
const ALICE = { username: 'alice', groups: ['system:authenticated', 'ztgate:security-admins'] };
const ROOT = { username: 'root', groups: ['system:authenticated', 'system:masters'] };

function withSpec(object: JsonObject, spec: JsonObject): JsonObject {
  return { ...object, spec };
}
function relabelled(object: JsonObject): JsonObject {
  return { ...object, metadata: { ...(object['metadata'] as JsonObject), labels: { team: 'x' } } };
}

/** Denials by the guard, as kubectl would print them. */
function guardDenials(object: JsonObject, options: ReviewOptions): string[] {
  const outcome = runReview('validate', reviewOf(object, options), { config, namespaces, now: new Date() });
  assert.ok(outcome.ok);
  return outcome.violations.filter((v) => v.id === 'rule:policy-pack-guard' && v.result === 'denied').map(() => outcome.response.status?.message ?? '');
}

const narrowed = withSpec(anchor, { ...(anchor['spec'] as JsonObject), namespaceSelector: "team == 'nobody'" });
const permissive = withSpec(peerAuthentication, { mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'DISABLE' } } });
const teamPolicy = { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'team-egress' }, spec: { selector: 'all()' } };
const shopDefault = { ...peerAuthentication, metadata: { name: 'default', namespace: 'shop' } };

/** [what, object, options, denied] */
const CASES: [string, JsonObject, ReviewOptions, boolean][] = [
  ['bob deletes zero-trust-default-deny', anchor, { operation: 'DELETE', userInfo: BOB }, true],
  ['bob narrows its namespaceSelector', narrowed, { operation: 'UPDATE', oldObject: anchor, userInfo: BOB }, true],
  ['bob relabels it (metadata only)', relabelled(anchor), { operation: 'UPDATE', oldObject: anchor, userInfo: BOB }, false],
  ['alice (ztgate:security-admins) deletes it', anchor, { operation: 'DELETE', userInfo: ALICE }, false],
  ['root (system:masters, break-glass) deletes it', anchor, { operation: 'DELETE', userInfo: ROOT }, false],
  ['bob deletes the mesh-wide PeerAuthentication', peerAuthentication, { operation: 'DELETE', userInfo: BOB }, true],
  ['bob turns off mTLS on a port of it', permissive, { operation: 'UPDATE', oldObject: peerAuthentication, userInfo: BOB }, true],
  ['alice changes it', permissive, { operation: 'UPDATE', oldObject: peerAuthentication, userInfo: ALICE }, false],
  ['bob deletes another GlobalNetworkPolicy', teamPolicy, { operation: 'DELETE', userInfo: BOB }, false],
  ['bob deletes the PeerAuthentication "default" of namespace shop', shopDefault, { operation: 'DELETE', userInfo: BOB }, false],
  ['bob creates a GlobalNetworkPolicy of that name (CREATE is not guarded: it adds a deny)', anchor, { operation: 'CREATE', userInfo: BOB }, false],
];

describe('the policy pack’s guard rule', () => {
  test('is in the pack and compiles', () => {
    assert.ok(guard, 'deploy/policies has a ZeroTrustRule policy-pack-guard');
  });

  for (const [what, object, options, denied] of CASES) {
    test(`${what} → ${denied ? 'denied' : 'allowed'}`, () => {
      assert.equal(guardDenials(object, options).length, denied ? 1 : 0);
    });
  }

  test('the denial says who may do it and where the reason is documented', () => {
    const [message] = guardDenials(anchor, { operation: 'DELETE', userInfo: BOB });
    assert.equal(
      message,
      'ZT-RULE policy-pack-guard: user "bob" may not delete GlobalNetworkPolicy zero-trust-default-deny: the zero-trust baseline depends on it (docs/policy-pack.md); ask a member of ztgate:security-admins or system:masters',
    );
    const [namespaced] = guardDenials(peerAuthentication, { operation: 'DELETE', userInfo: BOB });
    assert.match(namespaced ?? '', /may not delete PeerAuthentication istio-system\/default:/);
  });

  test('its groups are the owners of tier security and the break-glass groups of the default config', () => {
    const params = (guard!['spec'] as { params: { allowedGroups: string[] } }).params;
    const policy = defaultConfig().policy;
    const owners = policy.tiers.find((tier) => tier.name === 'security')!.owners.groups;
    assert.deepEqual(params.allowedGroups, [...owners, ...policy.breakGlassGroups]);
  });
});
