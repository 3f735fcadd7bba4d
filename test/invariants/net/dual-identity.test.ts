import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../../src/util/json.js';
import { calico, configWith, findingsOf, POLICY_KINDS, review, SPELLINGS, writerFor } from './support.js';

const ID = 'ZT-NET-002';

function policy(kind: (typeof POLICY_KINDS)[number], spelling: 'v3' | 'crd', peer: JsonObject, tier = 'security'): JsonObject {
  return calico(kind, spelling === 'crd' ? `${tier}.gate` : 'gate', { tier, selector: 'app == "api"', ingress: [{ action: 'Allow', source: peer }] }, spelling);
}

describe('ZT-NET-002 for every policy kind and spelling', () => {
  for (const kind of POLICY_KINDS) {
    for (const spelling of SPELLINGS) {
      const as = { user: writerFor(spelling) };
      test(`${kind} (${spelling}): labels without a service account warn`, () => {
        const verdict = review(policy(kind, spelling, { selector: 'app == "web"' }), as);
        assert.deepEqual(
          findingsOf(verdict, ID).map((f) => [f.mode, f.path]),
          [['warn', 'spec.ingress[0].source']],
        );
        assert.equal(verdict.allowed, true);
        assert.ok(verdict.warnings.some((line) => line.startsWith('ZT-NET-002: ingress rule 0')));
      });
      test(`${kind} (${spelling}): labels and a service account pass`, () => {
        const verdict = review(policy(kind, spelling, { selector: 'app == "web"', serviceAccounts: { names: ['web'] } }), as);
        assert.deepEqual(findingsOf(verdict, ID), []);
      });
    }
  }
});

/** [description, peer, flagged, fragment of the summary or fix] */
const PEERS: [string, JsonObject, boolean, string][] = [
  ['selector only', { selector: 'app == "web"' }, true, 'ingress rule 0 source names no serviceAccounts'],
  ['namespaceSelector only', { namespaceSelector: 'team == "a"' }, true, 'names no serviceAccounts'],
  ['service account names only', { serviceAccounts: { names: ['web'] } }, true, 'names no selector, namespaceSelector or nets'],
  ['service account selector only', { serviceAccounts: { selector: 'role == "api"' } }, true, 'names no selector, namespaceSelector or nets'],
  ['a notSelector only', { notSelector: 'app == "bad"' }, true, 'names neither serviceAccounts nor a selector or nets'],
  ['selector and service account names', { selector: 'app == "web"', serviceAccounts: { names: ['web'] } }, false, ''],
  ['namespaceSelector and service account selector', { namespaceSelector: 'team == "a"', serviceAccounts: { selector: 'role == "api"' } }, false, ''],
  ['nets and service account names', { nets: ['10.1.0.0/16'], serviceAccounts: { names: ['web'] } }, false, ''],
  ['a service account selector that matches everything is no identity', { selector: 'app == "web"', serviceAccounts: { selector: 'all()' } }, true, 'names no serviceAccounts'],
  ['nets only: addresses, not workloads', { nets: ['192.0.2.0/24'] }, false, ''],
  ['host endpoints and GlobalNetworkSets (namespaceSelector global()): addresses, not workloads', { namespaceSelector: 'global()', selector: 'role == "db-hosts"' }, false, ''],
  ['global() spelled with blanks', { namespaceSelector: 'global( )', selector: 'role == "db-hosts"' }, false, ''],
  ['global() with service accounts still needs nothing more', { namespaceSelector: 'global()', selector: 'role == "db-hosts"', serviceAccounts: { names: ['web'] } }, false, ''],
  ['a Service', { services: { name: 'api', namespace: 'shop' } }, true, 'Replace source.services with a selector and serviceAccounts'],
];

describe('ZT-NET-002 identities', () => {
  for (const [description, peer, flagged, fragment] of PEERS) {
    test(`${description} → ${flagged ? 'warns' : 'passes'}`, () => {
      const verdict = review(policy('GlobalNetworkPolicy', 'v3', peer), { user: writerFor('v3') });
      const findings = verdict.violations.filter((violation) => violation.invariantId === ID);
      assert.equal(findings.length, flagged ? 1 : 0);
      if (flagged) assert.ok(`${findings[0]!.summary} ${findings[0]!.fix}`.includes(fragment), `${findings[0]!.summary} / ${findings[0]!.fix}`);
    });
  }

  test('rules outside a protected tier are not checked', () => {
    assert.deepEqual(findingsOf(review(policy('GlobalNetworkPolicy', 'v3', { selector: 'app == "web"' }, 'default')), ID), []);
  });

  test('an unrestricted peer is ZT-NET-001’s finding, not a second one here', () => {
    const verdict = review(policy('GlobalNetworkPolicy', 'v3', {}), { user: writerFor('v3') });
    assert.deepEqual(findingsOf(verdict, ID), []);
    assert.equal(findingsOf(verdict, 'ZT-NET-001').length, 1);
  });

  test('enforce is one config line', () => {
    const config = configWith({ invariants: { 'ZT-NET-002': 'enforce' } });
    const verdict = review(policy('NetworkPolicy', 'v3', { selector: 'app == "web"' }), { user: writerFor('v3') }, config);
    assert.equal(verdict.allowed, false);
    assert.deepEqual(
      verdict.denials.map((denial) => denial.invariantId),
      [ID],
    );
  });
});
