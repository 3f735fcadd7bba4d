/**
 * Auditing what the cluster already holds, as docs/operations.md describes it: `kubectl get -o yaml` of
 * the Namespaces and the reviewed kinds, piped into `ztgate check --no-mutate` as an owner of the
 * protected tier. Everything ztgate admitted in this run passes under the config it was admitted with
 * (the offline and the online answers are the same); a stricter config finds what it would now refuse.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { E2E_CONFIG, EXCLUDED_NAMESPACE, denialOf, type E2E } from '../harness/env.js';
import { assertAdmitted } from '../harness/expect.js';
import { ztgateCli } from '../harness/cli.js';
import { pod } from '../harness/objects.js';

/** The kinds ztgate's validating webhooks review, as kubectl names them (Calico through projectcalico.org). */
const REVIEWED = [
  'namespaces',
  'pods',
  'replicationcontrollers',
  'services',
  'deployments.apps',
  'statefulsets.apps',
  'daemonsets.apps',
  'replicasets.apps',
  'jobs.batch',
  'cronjobs.batch',
  'networkpolicies.networking.k8s.io',
  'peerauthentications.security.istio.io',
  'authorizationpolicies.security.istio.io',
  'destinationrules.networking.istio.io',
  'envoyfilters.networking.istio.io',
  'serviceentries.networking.istio.io',
  'virtualservices.networking.istio.io',
  'wasmplugins.extensions.istio.io',
  'networkpolicies.projectcalico.org',
  'globalnetworkpolicies.projectcalico.org',
  'tiers.projectcalico.org',
  'zerotrustrules.ztgate.io',
].join(',');

interface Result {
  kind: string;
  namespace: string;
  name: string;
  verdict: string;
  violations: { id: string; message: string }[];
}

export function auditScenarios(env: () => E2E): void {
  describe('auditing the cluster with kubectl get | ztgate check --no-mutate', () => {
    test('what ztgate admitted passes under the same config; a stricter config finds the Pod it would now refuse', async (t) => {
      const e = env();
      const mesh = await e.namespace('audit', { mesh: true, serviceAccounts: ['web'] });
      await e.waitForMesh(mesh, 'web');
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: pod('web', mesh, { serviceAccountName: 'web' }) }), 'an injected Pod');
      // Unprotected by the suite's config, so the default ServiceAccount is let through.
      assertAdmitted(
        await e.kubectl(['create', '-f', '-'], { as: 'bob', input: pod('audit-legacy', EXCLUDED_NAMESPACE, { serviceAccountName: 'default' }) }),
        `a Pod on the default ServiceAccount in ${EXCLUDED_NAMESPACE}`,
      );

      const stored = await e.kubectl(['get', REVIEWED, '--all-namespaces', '-o', 'yaml']);
      assert.equal(stored.code, 0, denialOf(stored));
      const configFile = join(e.dir, 'audit-config.yaml');
      const strictFile = join(e.dir, 'audit-strict.yaml');
      await writeFile(configFile, E2E_CONFIG);
      // The suite's config without its exclusion: every namespace but the system ones is protected.
      await writeFile(strictFile, E2E_CONFIG.replace(/^protection:\n(  .*\n)+/m, ''));
      const audit = async (config: string): Promise<{ code: number; results: Result[]; stderr: string }> => {
        const r = await ztgateCli(['check', '-f', '-', '--no-mutate', '--config', config, '--user', 'alice', '--group', 'ztgate:security-admins', '-o', 'json'], stored.stdout);
        assert.ok(r.code === 0 || r.code === 1, `ztgate check failed: ${r.stderr}`);
        return { code: r.code, results: (JSON.parse(r.stdout) as { results: Result[] }).results, stderr: r.stderr };
      };
      const find = (results: Result[], namespace: string, name: string): Result => {
        const found = results.find((r) => r.kind === 'Pod' && r.namespace === namespace && r.name === name);
        assert.ok(found, `Pod ${namespace}/${name} is in the audit`);
        return found;
      };

      const same = await audit(configFile);
      const denied = same.results.filter((r) => r.verdict === 'denied');
      assert.deepEqual(
        denied.map((r) => `${r.kind} ${r.namespace}/${r.name}: ${r.violations.map((v) => v.message).join(' | ')}`),
        [],
        'nothing ztgate admitted is refused by the same core, offline, as the same config',
      );
      assert.equal(same.code, 0);
      const kinds = new Map<string, number>();
      for (const r of same.results) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
      t.diagnostic(`audited ${same.results.length} objects: ${[...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ')}`);
      // What the earlier scenarios stored: workloads, Calico policy and Tiers (the policy pack), Istio policy, rules.
      for (const kind of ['Namespace', 'Pod', 'Deployment', 'NetworkPolicy', 'GlobalNetworkPolicy', 'Tier', 'PeerAuthentication', 'ZeroTrustRule']) {
        assert.ok((kinds.get(kind) ?? 0) > 0, `the audit read ${kind} objects: ${JSON.stringify([...kinds])}`);
      }
      assert.equal(find(same.results, mesh, 'web').verdict, 'admitted', 'ztgate’s own sidecar, read back from the API server, passes as stored');

      const strict = await audit(strictFile);
      assert.equal(strict.code, 1);
      const legacy = find(strict.results, EXCLUDED_NAMESPACE, 'audit-legacy');
      assert.equal(legacy.verdict, 'denied');
      assert.deepEqual([...new Set(legacy.violations.map((v) => v.id))], ['ZT-POD-001']);
      assert.equal(find(strict.results, mesh, 'web').verdict, 'admitted');
    });

    test('Tiers audited as a non-owner: one that break-glass placed ahead of the protected tier is a finding', async () => {
      const e = env();
      const early = { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'e2e-early' }, spec: { order: 5 } };
      const placed = await e.kubectl(['create', '-f', '-'], { input: early });
      assertAdmitted(placed, 'the cluster admin (system:masters, break-glass) places a Tier at order 5');
      try {
        const tiers = await e.kubectl(['get', 'tiers.projectcalico.org', '-o', 'yaml']);
        assert.equal(tiers.code, 0, denialOf(tiers));
        const r = await ztgateCli(['check', '-f', '-', '--no-mutate', '--user', 'tier-audit', '-o', 'json'], tiers.stdout);
        assert.equal(r.code, 1, r.stderr);
        const results = (JSON.parse(r.stdout) as { results: Result[] }).results;
        const verdicts = Object.fromEntries(results.map((result) => [result.name, result.verdict]));
        assert.equal(verdicts['e2e-early'], 'denied', JSON.stringify(verdicts));
        assert.deepEqual(
          results.find((result) => result.name === 'e2e-early')?.violations.map((v) => v.message.split(';')[0]),
          ['ZT-NET-003: user "tier-audit" creates tier "e2e-early" at order 5, ahead of protected tier "security" (order 100) but is not one of its owners (spec.order)'],
        );
        // The protected tier itself is a finding for a non-owner too; every other Tier runs after it.
        for (const [name, verdict] of Object.entries(verdicts)) {
          if (name !== 'e2e-early' && name !== 'security') assert.equal(verdict, 'admitted', `Tier ${name}`);
        }
      } finally {
        assertAdmitted(await e.kubectl(['delete', 'tiers.projectcalico.org', 'e2e-early']), 'removing the Tier');
      }
    });
  });
}
