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
    ['anyone may change a tier ztgate does not list, when no protected tier has an order to compare with', () => [tier('misc', { order: 7 }), { operation: 'UPDATE', oldObject: tier('misc', { order: 8 }) }], ALICE, 'allowed', ''],
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

describe('ZT-NET-003 Tiers placed ahead of a protected tier', () => {
  /** security at 100 (as the policy pack creates it), a second protected tier at 200, platform unprotected. */
  const ORDERED = configWith({
    policy: {
      tiers: [
        { name: 'security', order: 100, owners: { groups: ['ztgate:security-admins'] } },
        { name: 'compliance', order: 200, owners: { groups: ['auditors'] } },
        { name: 'platform', protected: false, owners: { groups: ['platform-team'] } },
      ],
    },
  });
  const PAT = { username: 'pat', groups: ['platform-team'] };
  const TIGERA_OPERATOR = { username: 'system:serviceaccount:tigera-operator:tigera-operator', groups: ['system:serviceaccounts'] };
  const tier = (name: string, spec: JsonObject, labels?: Record<string, string>): JsonObject => ({
    ...calico('Tier', name, spec),
    ...(labels ? { metadata: { name, labels } } : {}),
  });
  const create = (object: JsonObject) => (): [JsonObject, { operation: Operation; oldObject?: JsonObject }] => [object, { operation: 'CREATE' }];
  const update = (before: JsonObject, after: JsonObject) => (): [JsonObject, { operation: Operation; oldObject?: JsonObject }] => [
    after,
    { operation: 'UPDATE', oldObject: before },
  ];

  /** [description, request, user, outcome, summaries of the ZT-NET-003 findings] */
  const CASES: [string, () => [JsonObject, { operation: Operation; oldObject?: JsonObject }], { username: string; groups: string[] }, Outcome, string[]][] = [
    [
      'alice creates a tier at order 1',
      create(tier('early', { order: 1 })),
      ALICE,
      'denied',
      [
        'user "alice" creates tier "early" at order 1, ahead of protected tier "security" (order 100) but is not one of its owners',
        'user "alice" creates tier "early" at order 1, ahead of protected tier "compliance" (order 200) but is not one of its owners',
      ],
    ],
    ['alice creates a tier at order 500, after both', create(tier('late', { order: 500 })), ALICE, 'allowed', []],
    ['alice creates a tier with no order (Calico applies it last)', create(tier('late', {})), ALICE, 'allowed', []],
    [
      'alice creates a tier at order 99.5 (orders are floats)',
      create(tier('early', { order: 99.5 })),
      ALICE,
      'denied',
      [
        'user "alice" creates tier "early" at order 99.5, ahead of protected tier "security" (order 100) but is not one of its owners',
        'user "alice" creates tier "early" at order 99.5, ahead of protected tier "compliance" (order 200) but is not one of its owners',
      ],
    ],
    [
      'alice creates tier "abc" at order 100: equal orders run by name, so it runs first',
      create(tier('abc', { order: 100 })),
      ALICE,
      'denied',
      [
        'user "alice" creates tier "abc" at order 100, ahead of protected tier "security" (order 100) but is not one of its owners',
        'user "alice" creates tier "abc" at order 100, ahead of protected tier "compliance" (order 200) but is not one of its owners',
      ],
    ],
    [
      'alice creates tier "zoo" at order 100: same order, runs after security by name',
      create(tier('zoo', { order: 100 })),
      ALICE,
      'denied',
      ['user "alice" creates tier "zoo" at order 100, ahead of protected tier "compliance" (order 200) but is not one of its owners'],
    ],
    [
      'a security admin creates a tier at 150: ahead of compliance only, which they do not own',
      create(tier('middle', { order: 150 })),
      SECURITY_ADMIN,
      'denied',
      ['user "sam" creates tier "middle" at order 150, ahead of protected tier "compliance" (order 200) but is not one of its owners'],
    ],
    ['an owner of both creates a tier at order 1', create(tier('early', { order: 1 })), { username: 'ann', groups: ['ztgate:security-admins', 'auditors'] }, 'allowed', []],
    [
      'alice moves an unlisted tier from 500 to 50',
      update(tier('misc', { order: 500 }), tier('misc', { order: 50 })),
      ALICE,
      'denied',
      [
        'user "alice" moves tier "misc" to order 50, ahead of protected tier "security" (order 100) but is not one of its owners',
        'user "alice" moves tier "misc" to order 50, ahead of protected tier "compliance" (order 200) but is not one of its owners',
      ],
    ],
    [
      'alice moves an unlisted tier from no order to 150',
      update(tier('misc', {}), tier('misc', { order: 150 })),
      ALICE,
      'denied',
      ['user "alice" moves tier "misc" to order 150, ahead of protected tier "compliance" (order 200) but is not one of its owners'],
    ],
    ['alice relabels a tier already at order 50 (placed before, not re-judged)', update(tier('misc', { order: 50 }), tier('misc', { order: 50 }, { team: 'x' })), ALICE, 'allowed', []],
    ['alice moves a tier from 50 to 300, out from ahead', update(tier('misc', { order: 50 }), tier('misc', { order: 300 })), ALICE, 'allowed', []],
    ['alice deletes a tier at order 1', () => [tier('early', { order: 1 }), { operation: 'DELETE' }], ALICE, 'allowed', []],
    [
      'the Tigera operator creates Calico Enterprise’s allow-tigera tier at order 100, ahead of security by name',
      create(tier('allow-tigera', { order: 100 })),
      TIGERA_OPERATOR,
      'allowed',
      [],
    ],
    [
      'the owner of the unprotected tier platform moves it ahead of compliance, which they do not own',
      update(tier('platform', { order: 500 }), tier('platform', { order: 150 })),
      PAT,
      'denied',
      ['user "pat" moves tier "platform" to order 150, ahead of protected tier "compliance" (order 200) but is not one of its owners'],
    ],
    [
      'alice moves platform, which she does not own either, ahead of compliance',
      update(tier('platform', { order: 500 }), tier('platform', { order: 150 })),
      ALICE,
      'denied',
      [
        'user "alice" changes order (500 → 150) of tier "platform" but is not one of its owners',
        'user "alice" moves tier "platform" to order 150, ahead of protected tier "compliance" (order 200) but is not one of its owners',
      ],
    ],
    [
      'break-glass creates a tier at order 1',
      create(tier('early', { order: 1 })),
      ROOT,
      'break-glass',
      ['break-glass: "root" creates tier "early" at order 1, ahead of protected tier "security" (order 100)', 'break-glass: "root" creates tier "early" at order 1, ahead of protected tier "compliance" (order 200)'],
    ],
    // A protected tier keeps the order the config gives it, since every other Tier is compared with it.
    ['a security admin creates tier security at its configured order', create(tier('security', { order: 100 })), SECURITY_ADMIN, 'allowed', []],
    [
      'a security admin creates tier security at order 300',
      create(tier('security', { order: 300 })),
      SECURITY_ADMIN,
      'denied',
      ['user "sam" creates protected tier "security" at order 300'],
    ],
    [
      'a security admin creates tier security without an order',
      create(tier('security', {})),
      SECURITY_ADMIN,
      'denied',
      ['user "sam" creates protected tier "security" at order none (runs last)'],
    ],
    [
      'a security admin moves tier security from 100 to 10',
      update(tier('security', { order: 100 }), tier('security', { order: 10 })),
      SECURITY_ADMIN,
      'denied',
      ['user "sam" changes order (100 → 10) of protected tier "security"'],
    ],
    [
      'a security admin moves tier security back to its configured order',
      update(tier('security', { order: 10 }), tier('security', { order: 100 })),
      SECURITY_ADMIN,
      'allowed',
      [],
    ],
    [
      'a security admin relabels tier security while it sits at another order',
      update(tier('security', { order: 10 }), tier('security', { order: 10 }, { team: 'x' })),
      SECURITY_ADMIN,
      'allowed',
      [],
    ],
    [
      'break-glass moves tier security',
      update(tier('security', { order: 100 }), tier('security', { order: 10 })),
      ROOT,
      'break-glass',
      ['break-glass: "root" changes order (100 → 10) of protected tier "security"'],
    ],
  ];

  for (const [description, build, user, expected, summaries] of CASES) {
    test(`${description} → ${expected}`, () => {
      const [object, options] = build();
      const verdict = review(object, { ...options, user }, ORDERED);
      assert.equal(outcome(verdict), expected, JSON.stringify(verdict.violations.map((v) => v.summary)));
      assert.deepEqual(
        findingsOf(verdict, ID).map((finding) => finding.summary),
        summaries,
      );
    });
  }

  test('the denial says why the order matters and how to avoid asking the owners', () => {
    const verdict = review(tier('early', { order: 1 }), { operation: 'CREATE', user: ALICE }, ORDERED);
    const denial = verdict.denials.find((d) => d.summary.includes('"security"'))!;
    assert.equal(denial.path, 'spec.order');
    assert.match(denial.why, /^Calico applies tiers by ascending order, so the policies of tier "early" would decide traffic before those of the protected tier$/);
    assert.equal(denial.fix, 'Ask group ztgate:security-admins to make the change, or give tier "early" an order above 100');
  });

  test('an owner refused a new order for the protected tier is told to change the config first', () => {
    const moved = review(tier('security', { order: 10 }), { operation: 'UPDATE', oldObject: tier('security', { order: 100 }), user: SECURITY_ADMIN }, ORDERED);
    assert.match(moved.denials[0]!.why, /compares every other Tier's order with the order 100 its config gives tier "security"/);
    assert.equal(moved.denials[0]!.fix, 'Set order: 10 for tier "security" in ztgate\'s config (policy.tiers) first, then apply the Tier again');
    const unordered = review(tier('security', {}), { operation: 'CREATE', user: SECURITY_ADMIN }, ORDERED);
    assert.match(unordered.denials[0]!.fix, /^Give the Tier order 100 \(an omitted order runs last\)/);
  });

  test('Calico’s own tiers are Calico’s to place, even ahead of a protected tier', () => {
    const late = configWith({ policy: { tiers: [{ name: 'security', order: 5000, owners: { groups: ['ztgate:security-admins'] } }] } });
    const kubeAdmin = tier('kube-admin', { order: 1000, defaultAction: 'Pass' });
    assert.equal(review(kubeAdmin, { operation: 'CREATE', user: CALICO_APISERVER }, late).allowed, true);
    assert.deepEqual(deniedIds(review(kubeAdmin, { operation: 'CREATE', user: ALICE }, late)), [ID]);
  });

  test('a protected tier with no configured order is neither compared with nor pinned', () => {
    assert.equal(review(tier('early', { order: 1 }), { operation: 'CREATE', user: ALICE }, CONFIG).allowed, true);
    assert.equal(review(tier('security', { order: 5 }), { operation: 'CREATE', user: SECURITY_ADMIN }, CONFIG).allowed, true);
  });

  test('the default config compares with security at order 100, as deploy/policies/tier.yaml creates it', () => {
    assert.deepEqual(deniedIds(review(tier('early', { order: 99 }), { operation: 'CREATE', user: ALICE })), [ID]);
    assert.equal(review(tier('late', { order: 101 }), { operation: 'CREATE', user: ALICE }).allowed, true);
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
