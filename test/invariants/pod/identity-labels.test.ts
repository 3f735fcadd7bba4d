import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../../src/config/parse.js';
import { serviceAccountLabelValue } from '../../../src/inject/identity.js';
import type { JsonObject } from '../../../src/util/json.js';
import { basePod, controllerOf, denialMessages, review, withFields } from './fixtures.js';
import { invariantTables } from './table.js';

const SA_LABEL = 'metadata.labels[ztgate.io/service-account]';
const SPIFFE = 'metadata.annotations[ztgate.io/spiffe-id]';
const QUARANTINE = 'metadata.labels[ztgate.io/quarantine]';
const LONG_NAME = `payments-${'reconciliation-'.repeat(5)}worker`;
const pod = (fields: Parameters<typeof withFields>[1]) => withFields(basePod(), fields);

invariantTables('ZT-POD-007', {
  violating: [
    { name: "another workload's label", object: pod({ [SA_LABEL]: 'admin' }), paths: [SA_LABEL] },
    {
      name: 'a long name cut without the hash',
      object: pod({ 'spec.serviceAccountName': LONG_NAME, [SA_LABEL]: LONG_NAME.slice(0, 63) }),
      paths: [SA_LABEL],
    },
    { name: 'a forged SPIFFE id', object: pod({ [SPIFFE]: 'spiffe://cluster.local/ns/shop/sa/admin' }), paths: [SPIFFE] },
    {
      name: 'a label naming the account the Pod does not set',
      object: pod({ 'spec.serviceAccountName': undefined, [SA_LABEL]: 'api' }),
      // ZT-POD-001 is off here so that the table sees ZT-POD-007 alone.
      config: parseConfig({ invariants: { 'ZT-POD-001': 'off' } }, 'test'),
      paths: [SA_LABEL],
    },
  ],
  conforming: [
    { name: 'no identity labels yet', object: basePod() },
    { name: 'the label ztgate writes', object: pod({ [SA_LABEL]: 'api' }) },
    {
      name: 'a long name as ztgate shortens it',
      object: pod({ 'spec.serviceAccountName': LONG_NAME, [SA_LABEL]: serviceAccountLabelValue(LONG_NAME) }),
    },
    { name: 'the SPIFFE id ztgate writes', object: pod({ [SA_LABEL]: 'api', [SPIFFE]: 'spiffe://cluster.local/ns/shop/sa/api' }) },
  ],
  controllers: [{ name: "another workload's label", object: pod({ [SA_LABEL]: 'admin' }), path: SA_LABEL }],
});

const running = pod({ [SA_LABEL]: 'api', [SPIFFE]: 'spiffe://cluster.local/ns/shop/sa/api', [QUARANTINE]: 'true' });
const SECURITY = { username: 'carol', groups: ['system:authenticated', 'ztgate:security-admins'] };

interface UpdateCase {
  name: string;
  change: Record<string, string | undefined>;
  user?: { username: string; groups: string[] };
  config?: ReturnType<typeof parseConfig>;
  /** The denied paths; empty when the update is allowed. */
  denied: string[];
}

const updates: UpdateCase[] = [
  { name: 'changing ztgate.io/service-account', change: { [SA_LABEL]: 'admin' }, denied: [SA_LABEL] },
  { name: 'removing ztgate.io/service-account', change: { [SA_LABEL]: undefined }, denied: [SA_LABEL] },
  { name: 'changing the SPIFFE id', change: { [SPIFFE]: 'spiffe://cluster.local/ns/shop/sa/admin' }, denied: [SPIFFE] },
  { name: 'changing only an unrelated label', change: { 'metadata.labels[version]': 'v2' }, denied: [] },
  { name: 'removing the quarantine as an ordinary user', change: { [QUARANTINE]: undefined }, denied: [QUARANTINE] },
  { name: 'rewriting the quarantine as an ordinary user', change: { [QUARANTINE]: 'false' }, denied: [QUARANTINE] },
  { name: 'removing the quarantine as a security admin', change: { [QUARANTINE]: undefined }, user: SECURITY, denied: [] },
  {
    name: 'removing the quarantine as a user the config names',
    change: { [QUARANTINE]: undefined },
    user: { username: 'oncall', groups: [] },
    config: parseConfig({ workload: { quarantineRemovers: { users: ['oncall'] } } }, 'test'),
    denied: [],
  },
  {
    name: 'changing ztgate.io/service-account as a security admin',
    change: { [SA_LABEL]: 'admin' },
    user: SECURITY,
    denied: [SA_LABEL],
  },
];

describe('ZT-POD-007 on UPDATE of a running Pod', () => {
  for (const { name, change, user, config, denied } of updates) {
    test(`${denied.length ? 'denies' : 'allows'} ${name}`, () => {
      const verdict = review(withFields(running, change), { operation: 'UPDATE', oldObject: running, config, userInfo: user });
      assert.deepEqual(
        verdict.denials.map((denial) => [denial.invariantId, denial.path]),
        denied.map((path) => ['ZT-POD-007', path]),
      );
      assert.equal(verdict.allowed, denied.length === 0);
    });
  }

  test('adding the identity label to a Pod created without it is denied', () => {
    const old = basePod();
    const verdict = review(withFields(old, { [SA_LABEL]: 'api' }), { operation: 'UPDATE', oldObject: old });
    assert.deepEqual(denialMessages(verdict), [
      `ZT-POD-007: the update adds label ztgate.io/service-account as "api" (${SA_LABEL}); ` +
        'Calico would match the Pod under an identity it does not hold. Leave it as ztgate set it; recreate the Pod to change its identity.',
    ]);
  });

  test('anyone may quarantine', () => {
    const old = basePod();
    const verdict = review(withFields(old, { [QUARANTINE]: 'true' }), { operation: 'UPDATE', oldObject: old });
    assert.deepEqual(verdict.violations, []);
  });
});

describe('ZT-POD-007 on UPDATE of a controller', () => {
  const deployment = (fields: Parameters<typeof withFields>[1]): JsonObject => controllerOf('Deployment', pod(fields));

  test('a template may move to another ServiceAccount when its label follows', () => {
    const old = deployment({ [SA_LABEL]: 'api' });
    const verdict = review(deployment({ 'spec.serviceAccountName': 'api-v2', [SA_LABEL]: 'api-v2' }), { operation: 'UPDATE', oldObject: old });
    assert.deepEqual(verdict.violations, []);
  });

  test('a template may not lift a quarantine without the right group', () => {
    const old = deployment({ [QUARANTINE]: 'true' });
    const verdict = review(deployment({}), { operation: 'UPDATE', oldObject: old });
    assert.deepEqual(
      verdict.denials.map((denial) => denial.path),
      ['spec.template.metadata.labels[ztgate.io/quarantine]'],
    );
  });
});
