import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Operation } from '../../../src/admission/types.js';
import type { Verdict } from '../../../src/engine/types.js';
import type { JsonObject } from '../../../src/util/json.js';
import { ALICE, CALICO_APISERVER, calico, configWith, deniedIds, findingsOf, POLICY_KINDS, review, ROOT, SECURITY_ADMIN } from './support.js';

const ID = 'ZT-NET-003';
const OLIVIA = { username: 'olivia', groups: ['system:authenticated'] };
/** The default tiers plus a named owner, so ownership by user name is covered too. */
const CONFIG = configWith({
  policy: {
    tiers: [
      { name: 'security', owners: { users: ['olivia'], groups: ['ztgate:security-admins'] } },
      { name: 'platform', protected: false, owners: { groups: ['platform-team'] } },
    ],
  },
});

type Outcome = 'allowed' | 'denied' | 'break-glass';

function outcome(verdict: Verdict): Outcome {
  const notices = findingsOf(verdict, ID).filter((finding) => finding.notice);
  if (!verdict.allowed) return 'denied';
  return notices.length > 0 ? 'break-glass' : 'allowed';
}

function rules(source: string): JsonObject {
  return {
    selector: 'app == "api"',
    ingress: [{ action: 'Allow', source: { selector: `app == "${source}"`, serviceAccounts: { names: [source] } } }],
  };
}

function requestFor(kind: (typeof POLICY_KINDS)[number], tier: string, operation: Operation): [JsonObject, { operation: Operation; oldObject?: JsonObject }] {
  const spec = tier === 'default' ? rules('web') : { tier, ...rules('web') };
  const object = calico(kind, 'gate', spec);
  if (operation !== 'UPDATE') return [object, { operation }];
  const before = calico(kind, 'gate', tier === 'default' ? rules('old') : { tier, ...rules('old') });
  return [object, { operation, oldObject: before }];
}

const USERS: [string, { username: string; groups: string[] }, Outcome][] = [
  ['a user outside the owners (alice)', ALICE, 'denied'],
  ['a member of ztgate:security-admins', SECURITY_ADMIN, 'allowed'],
  ['an owner named by user name', OLIVIA, 'allowed'],
  ['a member of system:masters (break-glass)', ROOT, 'break-glass'],
];

describe('ZT-NET-003 ownership table: users × operations × tiers × kinds', () => {
  for (const kind of POLICY_KINDS) {
    for (const operation of ['CREATE', 'UPDATE', 'DELETE'] as const) {
      for (const tier of ['security', 'default']) {
        for (const [who, user, expected] of USERS) {
          const want: Outcome = tier === 'default' ? 'allowed' : expected;
          test(`${kind} ${operation} in tier ${tier} by ${who} → ${want}`, () => {
            const [object, options] = requestFor(kind, tier, operation);
            const verdict = review(object, { ...options, user }, CONFIG);
            assert.equal(outcome(verdict), want, JSON.stringify(verdict.violations.map((v) => v.summary)));
            if (want === 'denied') assert.deepEqual(deniedIds(verdict), [ID]);
            if (want === 'break-glass') {
              assert.ok(verdict.warnings.some((line) => line.startsWith('ZT-NET-003: break-glass: "root" ')));
              assert.match(verdict.auditAnnotations['notice-ZT-NET-003'] ?? '', /^ZT-NET-003: break-glass: "root" .*; group system:masters bypasses tier ownership/);
            }
          });
        }
      }
    }
  }
});

describe('ZT-NET-003 moves between tiers', () => {
  const inTier = (tier: string) => calico('NetworkPolicy', 'gate', { tier, ...rules('web') });

  test('moving a policy out of the protected tier counts as a change to it', () => {
    const verdict = review(inTier('default'), { operation: 'UPDATE', oldObject: inTier('security'), user: ALICE }, CONFIG);
    assert.equal(verdict.allowed, false);
    assert.deepEqual(
      findingsOf(verdict, ID).map((f) => [f.path, f.summary]),
      [['spec.tier', 'user "alice" moves policy "gate" out of protected tier "security" (to "default") but is not one of its owners']],
    );
  });

  test('an owner may move it out', () => {
    assert.equal(review(inTier('default'), { operation: 'UPDATE', oldObject: inTier('security'), user: SECURITY_ADMIN }, CONFIG).allowed, true);
  });

  test('moving a policy into the protected tier needs an owner', () => {
    const verdict = review(inTier('security'), { operation: 'UPDATE', oldObject: inTier('default'), user: ALICE }, CONFIG);
    assert.match(findingsOf(verdict, ID)[0]!.summary, /moves policy "gate" into protected tier "security"/);
  });

  test('the name prefix puts a policy in the tier (Calico up to v3.31)', () => {
    const verdict = review(calico('NetworkPolicy', 'security.gate', rules('web')), { user: ALICE }, CONFIG);
    assert.deepEqual(
      findingsOf(verdict, ID).map((f) => f.path),
      ['metadata.name'],
    );
  });

  test('ownership holds in namespaces outside protection', () => {
    const config = configWith({ protection: { excludeNamespaces: ['sandbox'] } });
    const verdict = review(calico('NetworkPolicy', 'gate', { tier: 'security', ...rules('web') }, 'v3', 'sandbox'), { user: ALICE }, config);
    assert.deepEqual(deniedIds(verdict), [ID]);
  });
});

describe('ZT-NET-003 Tier objects', () => {
  const tier = (name: string, spec: JsonObject) => calico('Tier', name, spec);

  /** [description, request, user, outcome, summary fragment] */
  const CASES: [string, () => [JsonObject, { operation: Operation; oldObject?: JsonObject }], { username: string; groups: string[] }, Outcome, string][] = [
    ['alice creates tier security', () => [tier('security', { order: 100 }), { operation: 'CREATE' }], ALICE, 'denied', 'creates protected tier "security"'],
    ['an owner creates tier security', () => [tier('security', { order: 100 }), { operation: 'CREATE' }], SECURITY_ADMIN, 'allowed', ''],
    [
      'alice changes the order of tier security',
      () => [tier('security', { order: 10 }), { operation: 'UPDATE', oldObject: tier('security', { order: 100 }) }],
      ALICE,
      'denied',
      'changes order (100 → 10) of protected tier "security"',
    ],
    [
      'alice changes the defaultAction of tier security',
      () => [tier('security', { order: 100, defaultAction: 'Pass' }), { operation: 'UPDATE', oldObject: tier('security', { order: 100 }) }],
      ALICE,
      'denied',
      'changes defaultAction (null → "Pass") of protected tier "security"',
    ],
    [
      'an owner changes the order of tier security',
      () => [tier('security', { order: 10 }), { operation: 'UPDATE', oldObject: tier('security', { order: 100 }) }],
      SECURITY_ADMIN,
      'allowed',
      '',
    ],
    ['alice deletes tier security', () => [tier('security', { order: 100 }), { operation: 'DELETE' }], ALICE, 'denied', 'deletes protected tier "security"'],
    [
      'an owner cannot delete tier security while it is protected',
      () => [tier('security', { order: 100 }), { operation: 'DELETE' }],
      SECURITY_ADMIN,
      'denied',
      'deletes protected tier "security"',
    ],
    ['break-glass deletes tier security', () => [tier('security', { order: 100 }), { operation: 'DELETE' }], ROOT, 'break-glass', 'deletes protected tier "security"'],
    [
      'a non-owner changes the order of the listed, unprotected tier platform',
      () => [tier('platform', { order: 5 }), { operation: 'UPDATE', oldObject: tier('platform', { order: 500 }) }],
      ALICE,
      'denied',
      'changes order (500 → 5) of tier "platform"',
    ],
    [
      'a non-owner relabels tier platform without touching order or defaultAction',
      () => [
        { ...tier('platform', { order: 500 }), metadata: { name: 'platform', labels: { team: 'x' } } },
        { operation: 'UPDATE', oldObject: tier('platform', { order: 500 }) },
      ],
      ALICE,
      'allowed',
      '',
    ],
    ['a non-owner deletes the unprotected tier platform', () => [tier('platform', { order: 500 }), { operation: 'DELETE' }], ALICE, 'allowed', ''],
    [
      'an owner of platform changes its order',
      () => [tier('platform', { order: 5 }), { operation: 'UPDATE', oldObject: tier('platform', { order: 500 }) }],
      { username: 'pat', groups: ['platform-team'] },
      'allowed',
      '',
    ],
    ['anyone may change a tier ztgate does not list', () => [tier('misc', { order: 7 }), { operation: 'UPDATE', oldObject: tier('misc', { order: 8 }) }], ALICE, 'allowed', ''],
  ];

  for (const [description, build, user, expected, fragment] of CASES) {
    test(`${description} → ${expected}`, () => {
      const [object, options] = build();
      const verdict = review(object, { ...options, user }, CONFIG);
      assert.equal(outcome(verdict), expected, JSON.stringify(verdict.violations.map((v) => v.summary)));
      if (fragment) assert.ok(findingsOf(verdict, ID).some((f) => f.summary.includes(fragment)), JSON.stringify(findingsOf(verdict, ID)));
    });
  }

  test('an owner’s refused deletion says how to stop protecting the tier', () => {
    const verdict = review(tier('security', {}), { operation: 'DELETE', user: SECURITY_ADMIN }, CONFIG);
    assert.match(verdict.denials[0]!.why, /cannot be deleted while ztgate protects it; remove it from policy.tiers first/);
  });
});

describe('ZT-NET-003 and the crd.projectcalico.org/v1 spelling', () => {
  test('Calico’s API server writing the stored form on an owner’s behalf is not re-checked', () => {
    for (const kind of POLICY_KINDS) {
      const verdict = review(calico(kind, 'security.gate', { tier: 'security', ...rules('web') }, 'crd'), { user: CALICO_APISERVER });
      assert.deepEqual(findingsOf(verdict, ID), [], kind);
    }
  });

  test('anyone else writing the stored form is held to ownership as well', () => {
    for (const kind of POLICY_KINDS) {
      const verdict = review(calico(kind, 'security.gate', { tier: 'security', ...rules('web') }, 'crd'), { user: ALICE });
      assert.deepEqual(deniedIds(verdict).sort(), ['ZT-NET-003', 'ZT-NET-004'], kind);
    }
  });

  test('a crd Tier written by Calico’s service account passes', () => {
    for (const operation of ['CREATE', 'UPDATE', 'DELETE'] as const) {
      const tier = calico('Tier', 'security', { order: 100 }, 'crd');
      const options = operation === 'UPDATE' ? { oldObject: calico('Tier', 'security', { order: 200 }, 'crd') } : {};
      const verdict = review(tier, { operation, ...options, user: CALICO_APISERVER });
      assert.deepEqual(findingsOf(verdict, ID), [], operation);
      assert.equal(verdict.allowed, true, operation);
    }
  });

  test('a crd Tier is guarded the same way', () => {
    const verdict = review(calico('Tier', 'security', { order: 100 }, 'crd'), { operation: 'DELETE', user: ALICE });
    assert.deepEqual(deniedIds(verdict).sort(), ['ZT-NET-003', 'ZT-NET-004']);
  });
});
