/**
 * With ztgate down, the registration decides: validation fails closed where ztgate protects, mutation
 * fails open, and what the configurations exclude keeps working: the system namespaces and ztgate's own
 * (never sent), and a namespace the config excludes from protection (sent to a fail-open webhook only),
 * where Calico policy still fails closed because tier ownership holds everywhere. A restart on the same
 * URL brings everything back without touching the registration. A Service claiming an external IP
 * fails closed there too (ZT-NET-008 holds everywhere), while other Services flow, and so does a
 * VirtualService routing another namespace's service (ZT-NET-010), while routes of its own hosts flow.
 * In the Istio root namespace, also excluded, Pods flow and mesh-wide Istio policy fails closed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO_ROOT } from '../harness/build.js';
import { EXCLUDED_NAMESPACE, ISTIO_ROOT_NAMESPACE, TEAM_LABEL, ZTGATE_SYSTEM, denialOf, type E2E, type User } from '../harness/env.js';
import { assertAdmitted, CALICO, escapeRegExp, EXTERNAL_IPS, getObject, MESH_ROOT, MESH_ROUTING, MUTATING, NAMESPACES, NEW_NAMESPACES, VALIDATING } from '../harness/expect.js';
import { containerNames, pod, type Json } from '../harness/objects.js';
import { applyAsAdmin, failClosedValidatingWebhooks, failOpenValidatingWebhooks } from '../harness/registration.js';
import { peerAuthentication, virtualService } from './istio.js';
import { service } from './services.js';

/** A policy in the protected tier, by its owner: admitted whenever ztgate answers. */
function tierPolicy(name: string, namespace: string): Json {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'NetworkPolicy',
    metadata: { name, namespace },
    spec: {
      tier: 'security',
      order: 10,
      selector: 'app == "api"',
      types: ['Ingress'],
      ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: 'app == "web"', serviceAccounts: { names: ['web'] } }, destination: { ports: [8080] } }],
    },
  };
}

async function registrationVersions(e: E2E): Promise<unknown[]> {
  const versions: unknown[] = [];
  for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
    const o = await getObject(e, [kind, 'ztgate']);
    versions.push((o?.['metadata'] as Json | undefined)?.['resourceVersion']);
  }
  return versions;
}

export function failModeScenarios(env: () => E2E): void {
  describe('fail modes', () => {
    test('ztgate stopped: protected namespaces fail closed, mutation fails open, excluded namespaces work (Calico policy and Services claiming addresses aside); a restart restores it all', async (t) => {
      const e = env();
      const ns = await e.namespace('down', { serviceAccounts: ['web'] });
      const mesh = await e.namespace('down-mesh', { mesh: true, serviceAccounts: ['web'] });
      await e.waitForMesh(mesh, 'web');
      const registered = await registrationVersions(e);
      const apiserverLogBefore = e.cluster.logs().apiserver.length;

      await e.ztgate.stop();
      t.diagnostic(`ztgate after SIGTERM: ${e.ztgate.lastExit ?? 'unknown'}`);
      try {
        const closed = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: pod('while-down', ns, { serviceAccountName: 'web' }) });
        assert.notEqual(closed.code, 0, `a Pod in a protected namespace must fail closed; ${denialOf(closed)}`);
        assert.ok(closed.stderr.includes(`failed calling webhook "${VALIDATING}"`), `the API server's webhook error, naming ${VALIDATING}; ${denialOf(closed)}`);
        assert.match(closed.stderr, /connection refused/);
        // Mutating webhooks run first; had mutation failed closed, the error would name it.
        assert.ok(!closed.stderr.includes(MUTATING), `mutation must fail open; ${denialOf(closed)}`);
        assert.equal(await getObject(e, ['pod', 'while-down', '-n', ns]), undefined);
        const apiserverLog = e.cluster.logs().apiserver.slice(apiserverLogBefore);
        assert.match(apiserverLog, new RegExp(`failing open ${escapeRegExp(MUTATING)}`), "the API server's log records the fail-open mutation");

        for (const outside of ['kube-system', ZTGATE_SYSTEM]) {
          const r = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: pod('while-down', outside, { serviceAccountName: 'default' }) });
          assertAdmitted(r, `a Pod in ${outside} while ztgate is down`);
        }

        // Namespace updates reach ztgate only when they change labels (ZT-NS-001), so the rest flows.
        assertAdmitted(await e.kubectl(['annotate', 'namespace', ns, 'e2e.ztgate.io/while-down=yes'], { as: 'bob' }), 'annotating a namespace while ztgate is down');
        const relabelled = await e.kubectl(['label', 'namespace', ns, 'e2e-while-down=yes'], { as: 'bob' });
        assert.notEqual(relabelled.code, 0, `a namespace label change must fail closed; ${denialOf(relabelled)}`);
        assert.ok(relabelled.stderr.includes(`failed calling webhook "${NAMESPACES}"`), `the API server's webhook error, naming ${NAMESPACES}; ${denialOf(relabelled)}`);
        // Creating a namespace never waits for ztgate: its first labels go unjudged until ztgate is back.
        const createdLogBefore = e.cluster.logs().apiserver.length;
        const created = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'e2e-created-while-down', labels: { [TEAM_LABEL]: 'payments' } } } });
        assertAdmitted(created, 'a namespace created while ztgate is down, with an identity label');
        assert.match(e.cluster.logs().apiserver.slice(createdLogBefore), new RegExp(`failing open ${escapeRegExp(NEW_NAMESPACES)}`), "the API server's log records the fail-open namespace creation");

        // Excluded by the config: a Pod ztgate would deny anywhere it protects (the default ServiceAccount).
        const excludedLogBefore = e.cluster.logs().apiserver.length;
        const excluded = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: pod('while-down', EXCLUDED_NAMESPACE, { serviceAccountName: 'default' }) });
        assertAdmitted(excluded, `a Pod in ${EXCLUDED_NAMESPACE} (protection.excludeNamespaces) while ztgate is down`);
        const failOpen = failOpenValidatingWebhooks(e.registration);
        assert.ok(failOpen.length > 0, 'the suite config excludes a namespace, so a fail-open validating webhook is registered');
        const excludedLog = e.cluster.logs().apiserver.slice(excludedLogBefore);
        assert.match(excludedLog, new RegExp(`failing open (${failOpen.map(escapeRegExp).join('|')})`), "the API server's log records the fail-open validation");
        // ...but tier ownership is not the namespace's to waive: Calico policy there still fails closed.
        const tiered = await e.kubectl(['create', '-f', '-'], { as: 'alice', input: tierPolicy('security.while-down', EXCLUDED_NAMESPACE) });
        assert.notEqual(tiered.code, 0, `Calico policy in ${EXCLUDED_NAMESPACE} must fail closed; ${denialOf(tiered)}`);
        assert.ok(tiered.stderr.includes(`failed calling webhook "${CALICO}"`), `the API server's webhook error, naming ${CALICO}; ${denialOf(tiered)}`);
        assert.equal(await getObject(e, ['networkpolicies.projectcalico.org', 'security.while-down', '-n', EXCLUDED_NAMESPACE]), undefined);
        // ...nor is a Service's claim on an address (ZT-NET-008), even one the config allows; other Services flow.
        assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: service('plain-while-down', EXCLUDED_NAMESPACE) }), `a Service in ${EXCLUDED_NAMESPACE} while ztgate is down`);
        const claiming = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: service('claim-while-down', EXCLUDED_NAMESPACE, ['198.51.100.9']) });
        assert.notEqual(claiming.code, 0, `a Service claiming an external IP must fail closed; ${denialOf(claiming)}`);
        assert.ok(claiming.stderr.includes(`failed calling webhook "${EXTERNAL_IPS}"`), `the API server's webhook error, naming ${EXTERNAL_IPS}; ${denialOf(claiming)}`);
        // ...nor a VirtualService naming another namespace's service for every namespace (ZT-NET-010); routes of its own hosts flow.
        assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: virtualService('own-while-down', EXCLUDED_NAMESPACE, { hosts: ['reviews'] }) }), `a VirtualService of its own host in ${EXCLUDED_NAMESPACE} while ztgate is down`);
        const routing = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: virtualService('route-while-down', EXCLUDED_NAMESPACE, { hosts: [`reviews.${ns}.svc.cluster.local`] }) });
        assert.notEqual(routing.code, 0, `a VirtualService routing another namespace must fail closed; ${denialOf(routing)}`);
        assert.ok(routing.stderr.includes(`failed calling webhook "${MESH_ROUTING}"`), `the API server's webhook error, naming ${MESH_ROUTING}; ${denialOf(routing)}`);
        // ...nor the Istio root namespace's policy, which applies to every workload; its Pods flow.
        assertAdmitted(await e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'bob', input: pod('while-down', ISTIO_ROOT_NAMESPACE, { serviceAccountName: 'default' }) }), `a Pod in ${ISTIO_ROOT_NAMESPACE} while ztgate is down`);
        const meshWide = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'bob', input: peerAuthentication('while-down', ISTIO_ROOT_NAMESPACE, 'STRICT') });
        assert.notEqual(meshWide.code, 0, `a PeerAuthentication in ${ISTIO_ROOT_NAMESPACE} must fail closed; ${denialOf(meshWide)}`);
        assert.ok(meshWide.stderr.includes(`failed calling webhook "${MESH_ROOT}"`), `the API server's webhook error, naming ${MESH_ROOT}; ${denialOf(meshWide)}`);
      } finally {
        if (!e.ztgate.running) await e.ztgate.start();
      }

      await e.waitForWebhook();
      const injected = await e.kubectl(['create', '-o', 'json', '-f', '-'], { as: 'bob', input: pod('after-restart', mesh, { serviceAccountName: 'web' }) });
      assertAdmitted(injected, 'a mesh Pod after the restart');
      const names = containerNames(JSON.parse(injected.stdout) as Json);
      assert.ok([...names.containers, ...names.initContainers].includes('istio-proxy'), `injected again: ${JSON.stringify(names)}`);
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: pod('while-down', ns, { serviceAccountName: 'web' }) }), 'the refused Pod, again');
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'alice', input: tierPolicy('security.while-down', EXCLUDED_NAMESPACE) }), 'the refused Calico policy, again');
      assertAdmitted(await e.kubectl(['label', 'namespace', ns, 'e2e-while-down=yes'], { as: 'bob' }), 'the refused namespace label, again');
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: service('claim-while-down', EXCLUDED_NAMESPACE, ['198.51.100.9']) }), 'the refused Service, again (an allowed address)');
      assert.deepEqual(await registrationVersions(e), registered, 'the webhook configurations were not touched');
    });

    test('the break-glass loop of docs/operations.md opens every fail-closed webhook while ztgate is down; applying the manifests again restores them', async () => {
      const e = env();
      const ns = await e.namespace('glass', { serviceAccounts: ['web'] });
      const loop = breakGlassLoop();
      // One compliant request per fail-closed webhook: each is refused only because ztgate is down.
      const attempts: [string, User, string[], Json | undefined, string][] = [
        ['a Pod in a protected namespace', 'bob', ['create', '--dry-run=server', '-f', '-'], pod('glass', ns, { serviceAccountName: 'web' }), VALIDATING],
        ["a Calico policy in the protected tier, by an owner", 'alice', ['create', '--dry-run=server', '-f', '-'], tierPolicy('security.glass', EXCLUDED_NAMESPACE), CALICO],
        ['a namespace label', 'bob', ['label', '--dry-run=server', 'namespace', ns, 'e2e-glass=yes'], undefined, NAMESPACES],
        ['a Service claiming an allowed address', 'bob', ['create', '--dry-run=server', '-f', '-'], service('glass', EXCLUDED_NAMESPACE, ['198.51.100.11']), EXTERNAL_IPS],
        ['a VirtualService of its own service, by full name', 'bob', ['create', '--dry-run=server', '-f', '-'], virtualService('glass', ns, { hosts: [`reviews.${ns}.svc.cluster.local`] }), MESH_ROUTING],
        ['a mesh-wide STRICT PeerAuthentication', 'bob', ['create', '--dry-run=server', '-f', '-'], peerAuthentication('glass', ISTIO_ROOT_NAMESPACE, 'STRICT'), MESH_ROOT],
      ];
      const failClosed = failClosedValidatingWebhooks(e.registration);
      assert.deepEqual([...new Set(attempts.map(([, , , , webhook]) => webhook))].sort(), [...failClosed].sort(), 'one attempt per fail-closed webhook');

      await e.ztgate.stop();
      try {
        for (const [what, as, args, input, webhook] of attempts) {
          const r = await e.kubectl(args, { as, ...(input ? { input } : {}) });
          assert.ok(r.code !== 0 && r.stderr.includes(`failed calling webhook "${webhook}"`), `${what} fails closed at ${webhook} while ztgate is down; ${denialOf(r)}`);
        }
        const ran = await runAsAdmin(e, loop);
        assert.equal(ran.code, 0, `the break-glass loop: ${denialOf(ran)}`);
        const stored = await getObject(e, ['validatingwebhookconfiguration', 'ztgate']);
        const policies = ((stored?.['webhooks'] as Json[] | undefined) ?? []).map((w) => `${String(w['name'])} ${String(w['failurePolicy'])}`);
        assert.ok(policies.length > 0 && policies.every((line) => line.endsWith(' Ignore')), `every validating webhook fails open now: ${policies.join(', ')}`);
        for (const [what, as, args, input] of attempts) {
          assertAdmitted(await e.kubectl(args, { as, ...(input ? { input } : {}) }), `${what}, after the break-glass loop`);
        }
      } finally {
        await applyAsAdmin(e.cluster, e.registration);
        if (!e.ztgate.running) await e.ztgate.start();
      }
      await e.waitForWebhook();
      const restored = await getObject(e, ['validatingwebhookconfiguration', 'ztgate']);
      const back = ((restored?.['webhooks'] as Json[] | undefined) ?? []).filter((w) => w['failurePolicy'] === 'Fail').map((w) => String(w['name']));
      assert.deepEqual(back.sort(), [...failClosed].sort(), 'applying the manifests again restores every fail-closed webhook');
    });
  });
}

/** The loop docs/operations.md gives to stop enforcing, exactly as written there. */
function breakGlassLoop(): string {
  const lines = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8').split('\n');
  const start = lines.findIndex((line) => line.startsWith('# Stop enforcing'));
  const end = lines.findIndex((line, i) => i > start && line === 'done');
  assert.ok(start >= 0 && end > start, 'docs/operations.md has the break-glass loop (from "# Stop enforcing" to "done")');
  return lines.slice(start, end + 1).join('\n');
}

/** Runs a shell snippet as the cluster admin, with the suite's kubectl first on PATH. */
function runAsAdmin(e: E2E, script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-euo', 'pipefail', '-c', script],
      { env: { ...process.env, PATH: `${e.cluster.binDir}:${process.env['PATH'] ?? ''}`, KUBECONFIG: e.cluster.kubeconfigAdmin, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
