/**
 * ZT-NS-001 through kubectl: bob (group ztgate:developers, which the suite's RBAC lets update
 * Namespaces, as a tenancy operator or a labelling role would) cannot take a namespace out of the mesh,
 * in a real request or a server dry run; alice (ztgate:security-admins, the default protection.owners)
 * can. Label changes that weaken nothing pass, and an update that changes no label never reaches ztgate
 * (the webhook's matchCondition, evaluated by the API server).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TEAM_LABEL, type E2E } from '../harness/env.js';
import { assertAdmitted, assertDenied, getObject, NAMESPACES, NEW_NAMESPACES } from '../harness/expect.js';
import { labelsOf, type Json } from '../harness/objects.js';

async function namespaceLabels(e: E2E, name: string): Promise<Record<string, string>> {
  const o = await getObject(e, ['namespace', name]);
  assert.ok(o, `namespace ${name} exists`);
  return labelsOf(o as Json);
}

export function namespaceScenarios(env: () => E2E): void {
  describe('namespace labels (ZT-NS-001)', () => {
    test('a non-owner cannot take a namespace out of the mesh; an owner can', async () => {
      const e = env();
      const ns = await e.namespace('relabel', { mesh: true });
      const expected = [
        `ZT-NS-001: user "bob" takes namespace "${ns}" out of the mesh: removes label istio-injection, which was "enabled"`,
        '(metadata.labels[istio-injection])',
        'only protection.owners may do that',
      ];
      for (const dryRun of [['--dry-run=server'], []]) {
        const r = await e.kubectl(['label', 'namespace', ns, 'istio-injection-', ...dryRun], { as: 'bob' });
        assertDenied(r, `bob: kubectl label namespace ${ns} istio-injection- ${dryRun.join(' ')}`, expected, NAMESPACES);
      }
      const disabled = await e.kubectl(['label', '--overwrite', 'namespace', ns, 'istio-injection=disabled'], { as: 'bob' });
      assertDenied(disabled, 'bob: istio-injection=disabled', ['changes label istio-injection from "enabled" to "disabled"'], NAMESPACES);
      assert.equal((await namespaceLabels(e, ns))['istio-injection'], 'enabled', 'the label stays');

      // Updates only: its creation was reviewed too (new-namespaces.ztgate.io), and allowed.
      const isNamespaceReview = (d: Record<string, unknown>): boolean => d['kind'] === 'Namespace' && d['name'] === ns && d['operation'] === 'UPDATE';
      const annotated = await e.kubectl(['annotate', 'namespace', ns, 'e2e.ztgate.io/owner=team-a'], { as: 'bob' });
      assertAdmitted(annotated, 'bob annotates the namespace');
      assertAdmitted(await e.kubectl(['label', 'namespace', ns, 'team=payments'], { as: 'bob' }), 'bob adds a label nothing in ztgate reads');
      const reviews = await e.ztgate.waitForDecisions(`the review of ${ns}'s team label`, (d) => isNamespaceReview(d) && d['allowed'] === true);
      assert.equal(reviews.length, 1, `only the label change was sent, not the annotation: ${JSON.stringify(reviews)}`);
      assert.equal(e.ztgate.decisions().filter(isNamespaceReview).length, 4, 'two refused removals, the refused disable, the allowed label');
      const refused = e.ztgate.decisions().filter((d) => isNamespaceReview(d) && d['allowed'] === false);
      assert.deepEqual(refused.map((d) => [d['user'], d['invariants']]), Array(3).fill(['bob', ['ZT-NS-001:denied']]), 'each decision line names who asked and what refused it');

      assertAdmitted(await e.kubectl(['label', 'namespace', ns, 'istio-injection-'], { as: 'alice' }), 'alice (protection owner) takes it out of the mesh');
      assert.equal((await namespaceLabels(e, ns))['istio-injection'], undefined);
      assertAdmitted(await e.kubectl(['label', 'namespace', ns, 'istio-injection=enabled'], { as: 'bob' }), 'bob puts it back in the mesh: adding protection is free');
    });

    test('only an owner creates a namespace with an identity label, or changes it (protection.identityLabels)', async () => {
      const e = env();
      const stamp = Date.now().toString(36);
      const labelled = (name: string, team: string): Json => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [TEAM_LABEL]: team } } });
      const forged = `e2e-forged-${stamp}`;
      for (const dryRun of [['--dry-run=server'], []]) {
        const r = await e.kubectl(['create', ...dryRun, '-f', '-'], { as: 'bob', input: labelled(forged, 'payments') });
        assertDenied(r, `bob creates ${forged} as team payments ${dryRun.join(' ')}`, [`ZT-NS-001: user "bob" gives new namespace "${forged}" a network identity: adds label ${TEAM_LABEL} as "payments"`], NEW_NAMESPACES);
      }
      assert.equal(await getObject(e, ['namespace', forged]), undefined, 'not created');
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: forged } } }), 'bob creates it without the label');

      const owned = `e2e-owned-${stamp}`;
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'alice', input: labelled(owned, 'payments') }), 'alice (protection owner) creates a payments namespace');
      const moved = await e.kubectl(['label', '--overwrite', 'namespace', owned, `${TEAM_LABEL}=shop`], { as: 'bob' });
      assertDenied(moved, 'bob moves it to team shop', [`ZT-NS-001: user "bob" changes the network identity of namespace "${owned}": changes label ${TEAM_LABEL} from "payments" to "shop"`], NAMESPACES);
      assert.equal((await namespaceLabels(e, owned))[TEAM_LABEL], 'payments');
    });
  });
}
