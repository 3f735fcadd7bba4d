/** A serving-certificate renewal under load: the API server keeps calling ztgate and no request fails. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { denialOf, type E2E } from '../harness/env.js';
import { pod } from '../harness/objects.js';
import { pollUntil } from '../harness/processes.js';

const LOOPS = 3;
const BEFORE = 12;
const AFTER = 12;
const BURST = 8;

export function rotationScenarios(env: () => E2E): void {
  describe('certificate rotation', () => {
    test('a new leaf from the same CA is picked up while dry-run creates run; none fails', async () => {
      const e = env();
      const ns = await e.namespace('rotate', { mesh: true, serviceAccounts: ['web'] });
      await e.waitForMesh(ns, 'web');
      const old = await e.ztgate.servedFingerprint();
      const failures: string[] = [];
      let done = 0;
      let stopping = false;
      // Each success must carry the sidecar: a failed (fail-open) mutation would also be a failure.
      const create = async (name: string): Promise<void> => {
        const r = await e.kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], { input: pod(name, ns, { serviceAccountName: 'web' }) });
        if (r.code !== 0 || !r.stdout.includes('"istio-proxy"')) failures.push(`${name}: ${denialOf(r)}`);
        done++;
      };
      const loop = async (id: number): Promise<void> => {
        for (let i = 0; !stopping; i++) await create(`rot-${id}-${i}`);
      };
      const loops = Array.from({ length: LOOPS }, (_, i) => loop(i));
      try {
        await pollUntil(`${BEFORE} requests before the renewal`, 60_000, async () => (done >= BEFORE ? true : undefined));
        const renewed = e.pki.writeServing(e.certDir, ['127.0.0.1']);
        assert.notEqual(renewed.fingerprint, old);
        await pollUntil(
          'ztgate to serve the renewed certificate on new connections',
          60_000,
          async () => ((await e.ztgate.servedFingerprint()) === renewed.fingerprint ? true : undefined),
          e.diagnostics,
        );
        // More requests in flight than the API server holds idle connections for, so it opens new ones.
        await Promise.all(Array.from({ length: BURST }, (_, i) => create(`rot-burst-${i}`)));
        const at = done;
        await pollUntil(`${AFTER} more requests after the renewal`, 60_000, async () => (done >= at + AFTER ? true : undefined));
      } finally {
        stopping = true;
        await Promise.all(loops);
      }
      assert.deepEqual(failures, [], `${failures.length} of ${done} requests failed`);
      assert.match(e.ztgate.logText(), /serving certificate reloaded/);
    });
  });
}
