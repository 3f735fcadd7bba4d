/**
 * With ztgate down, the registration decides: validation fails closed where ztgate protects, mutation
 * fails open, and what the configurations exclude keeps working. A restart on the same URL brings
 * everything back without touching the registration.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ZTGATE_SYSTEM, denialOf, type E2E } from '../harness/env.js';
import { assertAdmitted, getObject, MUTATING, VALIDATING } from '../harness/expect.js';
import { containerNames, pod, type Json } from '../harness/objects.js';

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
    test('ztgate stopped: protected namespaces fail closed, mutation fails open, excluded namespaces work; a restart restores it all', async (t) => {
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
        assert.match(apiserverLog, new RegExp(`failing open ${MUTATING.replace(/\./g, '\\.')}`), "the API server's log records the fail-open mutation");

        for (const outside of ['kube-system', ZTGATE_SYSTEM]) {
          const r = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: pod('while-down', outside, { serviceAccountName: 'default' }) });
          assertAdmitted(r, `a Pod in ${outside} while ztgate is down`);
        }
      } finally {
        if (!e.ztgate.running) await e.ztgate.start();
      }

      await e.waitForWebhook();
      const injected = await e.kubectl(['create', '-o', 'json', '-f', '-'], { as: 'bob', input: pod('after-restart', mesh, { serviceAccountName: 'web' }) });
      assertAdmitted(injected, 'a mesh Pod after the restart');
      const names = containerNames(JSON.parse(injected.stdout) as Json);
      assert.ok([...names.containers, ...names.initContainers].includes('istio-proxy'), `injected again: ${JSON.stringify(names)}`);
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: pod('while-down', ns, { serviceAccountName: 'web' }) }), 'the refused Pod, again');
      assert.deepEqual(await registrationVersions(e), registered, 'the webhook configurations were not touched');
    });
  });
}
