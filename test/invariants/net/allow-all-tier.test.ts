import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../src/util/json.js';
import { calico, configWith, findingsOf, POLICY_KINDS, review, SPELLINGS, writerFor } from './support.js';

const ID = 'ZT-NET-001';

/** A policy in tier security; the crd spelling carries the tier in the stored name, as Calico writes it. */
function inSecurityTier(kind: (typeof POLICY_KINDS)[number], spelling: 'v3' | 'crd', spec: JsonObject): JsonObject {
  return calico(kind, spelling === 'crd' ? 'security.gate' : 'gate', { tier: 'security', ...spec }, spelling);
}

const NARROW_PEER = { selector: 'app == "web"', serviceAccounts: { names: ['web'] } };

describe('ZT-NET-001 for every policy kind and spelling', () => {
  for (const kind of POLICY_KINDS) {
    for (const spelling of SPELLINGS) {
      const as = { user: writerFor(spelling) };
      test(`${kind} (${spelling}): an Allow rule with no source is denied`, () => {
        const verdict = review(inSecurityTier(kind, spelling, { selector: 'app == "api"', ingress: [{ action: 'Allow' }] }), as);
        assert.deepEqual(
          findingsOf(verdict, ID).map((f) => [f.mode, f.path]),
          [['enforce', 'spec.ingress[0].source']],
        );
        assert.equal(verdict.allowed, false);
      });
      test(`${kind} (${spelling}): an Allow rule naming its source is allowed`, () => {
        const verdict = review(inSecurityTier(kind, spelling, { selector: 'app == "api"', ingress: [{ action: 'Allow', source: NARROW_PEER }] }), as);
        assert.deepEqual(findingsOf(verdict, ID), []);
        assert.equal(verdict.allowed, true);
      });
    }
  }
});

/** [description, policy kind, rule, flagged] — peers judged in tier security. */
const PEERS: [string, 'NetworkPolicy' | 'GlobalNetworkPolicy', JsonObject, boolean][] = [
  ['no peer fields at all', 'NetworkPolicy', { action: 'Allow' }, true],
  ['an empty source', 'NetworkPolicy', { action: 'Allow', source: {} }, true],
  ['nets 0.0.0.0/0', 'NetworkPolicy', { action: 'Allow', source: { nets: ['0.0.0.0/0'] } }, true],
  ['nets ::/0', 'GlobalNetworkPolicy', { action: 'Allow', source: { nets: ['::/0'] } }, true],
  ['nets 10.0.0.0/8 and 0.0.0.0/0', 'GlobalNetworkPolicy', { action: 'Allow', source: { nets: ['10.0.0.0/8', '0.0.0.0/0'] } }, true],
  ['nets 10.0.0.0/8', 'GlobalNetworkPolicy', { action: 'Allow', source: { nets: ['10.0.0.0/8'] } }, false],
  ['only notNets', 'GlobalNetworkPolicy', { action: 'Allow', source: { notNets: ['10.0.0.0/8'] } }, true],
  ['selector all() in a global policy', 'GlobalNetworkPolicy', { action: 'Allow', source: { selector: 'all()' } }, true],
  ['selector all() in a namespaced policy (same namespace)', 'NetworkPolicy', { action: 'Allow', source: { selector: 'all()' } }, false],
  ['all() in all namespaces', 'NetworkPolicy', { action: 'Allow', source: { selector: 'all()', namespaceSelector: 'all()' } }, true],
  ['a tautological namespaceSelector', 'GlobalNetworkPolicy', { action: 'Allow', source: { namespaceSelector: 'has(team) || !has(team)' } }, true],
  ['namespaceSelector global() with selector all()', 'GlobalNetworkPolicy', { action: 'Allow', source: { selector: 'all()', namespaceSelector: 'global()' } }, true],
  ['a narrowing selector', 'GlobalNetworkPolicy', { action: 'Allow', source: { selector: 'app == "web"' } }, false],
  ['a narrowing namespaceSelector', 'GlobalNetworkPolicy', { action: 'Allow', source: { namespaceSelector: 'team == "a"' } }, false],
  ['a notSelector', 'GlobalNetworkPolicy', { action: 'Allow', source: { notSelector: 'app == "bad"' } }, false],
  ['service account names', 'GlobalNetworkPolicy', { action: 'Allow', source: { serviceAccounts: { names: ['api'] } } }, false],
  ['a service account selector matching all', 'GlobalNetworkPolicy', { action: 'Allow', source: { serviceAccounts: { selector: 'all()' } } }, true],
  ['a Service', 'GlobalNetworkPolicy', { action: 'Allow', source: { services: { name: 'api', namespace: 'shop' } } }, false],
  ['a Deny rule with no source', 'GlobalNetworkPolicy', { action: 'Deny' }, false],
  ['a Pass rule with no source', 'GlobalNetworkPolicy', { action: 'Pass' }, false],
  ['ports do not narrow the peer', 'NetworkPolicy', { action: 'Allow', protocol: 'TCP', destination: { ports: [443] } }, true],
  ['an invalid selector is left to ZT-NET-004', 'GlobalNetworkPolicy', { action: 'Allow', source: { selector: 'app ==' } }, false],
];

describe('ZT-NET-001 peer analysis', () => {
  for (const [description, kind, rule, flagged] of PEERS) {
    test(`${kind}: ${description} → ${flagged ? 'flagged' : 'allowed'}`, () => {
      const verdict = review(calico(kind, 'gate', { tier: 'security', selector: 'app == "api"', ingress: [rule] }), { user: writerFor('v3') });
      assert.equal(findingsOf(verdict, ID).length, flagged ? 1 : 0, JSON.stringify(findingsOf(verdict, ID)));
    });
  }
});

describe('ZT-NET-001 scope', () => {
  const openRule = { ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] };

  test('egress rules are judged by their destination', () => {
    const verdict = review(calico('GlobalNetworkPolicy', 'gate', { tier: 'security', selector: 'app == "api"', egress: [{ action: 'Allow' }] }));
    assert.deepEqual(
      findingsOf(verdict, ID).map((f) => f.path),
      ['spec.egress[0].destination'],
    );
    assert.match(findingsOf(verdict, ID)[0]!.summary, /egress rule 0 allows every destination \(it names no peer at all\) in protected tier "security"/);
  });

  test('a policy that selects every endpoint is called the worst case', () => {
    const [finding] = findingsOf(review(calico('GlobalNetworkPolicy', 'gate', { tier: 'security', ingress: [{ action: 'Allow' }] })), ID);
    assert.match(finding!.summary, /and the policy selects every endpoint/);
    const verdict = review(calico('GlobalNetworkPolicy', 'gate', { tier: 'security', selector: 'all()', ingress: [{ action: 'Allow' }] }));
    assert.match(verdict.denials[0]!.why, /worst case/);
  });

  test('the default tier is not protected', () => {
    assert.deepEqual(findingsOf(review(calico('GlobalNetworkPolicy', 'open', openRule)), ID), []);
  });

  test('the tier name prefix counts as the tier (Calico up to v3.31)', () => {
    const verdict = review(calico('NetworkPolicy', 'security.open', { selector: 'app == "api"', ...openRule }), { user: writerFor('v3') });
    assert.equal(findingsOf(verdict, ID).length, 2);
  });

  test('a staged deletion carries no rules to judge', () => {
    const verdict = review(calico('StagedNetworkPolicy', 'security.gate', { tier: 'security', stagedAction: 'Delete' }), { user: writerFor('v3') });
    assert.deepEqual(findingsOf(verdict, ID), []);
  });

  test('a namespace outside protection is not checked', () => {
    const config = configWith({ protection: { excludeNamespaces: ['sandbox'] } });
    const verdict = review(calico('NetworkPolicy', 'gate', { tier: 'security', ...openRule }, 'v3', 'sandbox'), { user: writerFor('v3') }, config);
    assert.deepEqual(findingsOf(verdict, ID), []);
  });

  test('DELETE is not checked (there is no new object)', () => {
    const verdict = review(calico('GlobalNetworkPolicy', 'gate', { tier: 'security', ...openRule }), { operation: 'DELETE', user: writerFor('v3') });
    assert.deepEqual(findingsOf(verdict, ID), []);
  });
});
