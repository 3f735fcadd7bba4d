import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicyConfig, policyNotices } from '../../src/calico/config.js';
import { parseConfig } from '../../src/config/parse.js';
import { StaticNamespaceSource } from '../../src/facts/static.js';
import { readiness } from '../../src/http/readiness.js';
import { ConfigError, ConfigNode } from '../../src/config/reader.js';

const parse = (raw: unknown) => parsePolicyConfig(new ConfigNode(raw, 'policy'));

test('defaults protect tier security for ztgate:security-admins, with system:masters as break-glass', () => {
  const config = parse(undefined);
  assert.deepEqual(config.tiers, [{ name: 'security', protected: true, owners: { users: [], groups: ['ztgate:security-admins'] }, order: 100 }]);
  assert.deepEqual(config.breakGlassGroups, ['system:masters']);
  assert.equal(config.istioRootNamespace, 'istio-system');
  assert.ok(config.calicoServiceAccounts.includes('system:serviceaccount:calico-apiserver:calico-apiserver'));
});

test('defaults are fresh copies, so freezing one config cannot affect another', () => {
  const first = parse(undefined);
  const second = parse(undefined);
  assert.notEqual(first.tiers[0], second.tiers[0]);
});

test('tiers are read with owners and the protected flag', () => {
  const config = parse({
    tiers: [
      { name: 'platform', owners: { users: ['pat'], groups: ['platform'] }, order: 50.5 },
      { name: 'apps', protected: false, owners: { groups: ['devs'] } },
    ],
    breakGlassGroups: [],
  });
  assert.deepEqual(config.tiers, [
    { name: 'platform', protected: true, owners: { users: ['pat'], groups: ['platform'] }, order: 50.5 },
    { name: 'apps', protected: false, owners: { users: [], groups: ['devs'] } },
  ]);
  assert.deepEqual(config.breakGlassGroups, []);
});

/** [raw policy section, expected error text] */
const ERRORS: [unknown, string][] = [
  [{ tiers: [{ name: 'Security' }] }, 'policy.tiers[0].name: tier name "Security" must be a lowercase DNS label'],
  [{ tiers: [{ name: 'a.b' }] }, 'policy.tiers[0].name: tier name "a.b" must be a lowercase DNS label'],
  [{ tiers: [{ name: 'x' }, { name: 'x' }] }, 'policy.tiers[1].name: duplicate tier "x"'],
  [{ tiers: [{ name: 'x', owner: {} }] }, 'policy.tiers[0].owner: unknown key'],
  [{ tiers: [{ name: 'x', owners: { groups: 'admins' } }] }, 'policy.tiers[0].owners.groups: expected a list of strings'],
  [{ tiers: [{ name: 'x', protected: 'yes' }] }, 'policy.tiers[0].protected: expected true or false'],
  [{ tiers: [{ name: 'x', order: '100' }] }, 'policy.tiers[0].order: expected a number, got string "100"'],
  [{ breakGlassGroups: 'system:masters' }, 'policy.breakGlassGroups: expected a list of strings'],
  [{ istioRootNamespace: 'Istio System' }, 'policy.istioRootNamespace: "Istio System" is not a namespace name'],
  [{ tier: [] }, 'policy.tier: unknown key'],
];

for (const [raw, message] of ERRORS) {
  test(`rejects ${JSON.stringify(raw)}`, () => {
    assert.throws(() => parse(raw), (error: unknown) => error instanceof ConfigError && error.message.startsWith(message));
  });
}

test('a protected tier without an order is reported, since precedence is then not judged; the default has none to report', () => {
  assert.deepEqual(policyNotices(parse(undefined)), []);
  const config = parse({ tiers: [{ name: 'security', owners: { groups: ['sec'] } }, { name: 'platform', protected: false }, { name: 'audit', order: 50 }] });
  assert.deepEqual(policyNotices(config), [
    'protected tier "security" has no order in policy.tiers, so a Tier placed ahead of it is not judged (ZT-NET-003); set order to its Tier\'s spec.order',
  ]);
});

test('/readyz shows the notices in the config check, which stays ok', () => {
  const config = parseConfig({ policy: { tiers: [{ name: 'security' }] } }, 'cfg.yaml');
  const check = readiness({ draining: false, certificatesLoaded: true, config, namespaces: new StaticNamespaceSource([]) }).checks.find((c) => c.name === 'config');
  assert.equal(check?.ok, true);
  assert.equal(check?.detail, `loaded from cfg.yaml; ${policyNotices(config.policy)[0]}`);
});
