/**
 * Reinvocation: a second mutating webhook adds a container after ztgate injected the sidecar; the API
 * server calls ztgate again (reinvocationPolicy IfNeeded), which must rewrite the new container's probes
 * without adding a second sidecar.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ADDED_CONTAINER, ADDED_PROBE_PORT, SAW_SIDECAR_ANNOTATION } from '../fixtures/adder-webhook.js';
import { ADDER_LABEL, startAdder } from '../harness/adder.js';
import type { E2E } from '../harness/env.js';
import { assertAdmitted, parseJson } from '../harness/expect.js';
import { annotationsOf, containerNames, findContainer, pod, type Json } from '../harness/objects.js';
import { pollUntil } from '../harness/processes.js';

function httpGet(p: Json, container: string, probe: string): Json | undefined {
  return (findContainer(p, container)?.[probe] as Json | undefined)?.['httpGet'] as Json | undefined;
}

export function reinvocationScenarios(env: () => E2E): void {
  describe('reinvocation', () => {
    test('a webhook after ztgate adds a container: one sidecar, and the new container\'s probes rewritten', async () => {
      const e = env();
      const ns = await e.namespace('reinvoke', { mesh: true, serviceAccounts: ['shop'] });
      await e.waitForMesh(ns, 'shop');
      const adder = await startAdder(e, ns);
      try {
        const p = pod('shop', ns, {
          serviceAccountName: 'shop',
          labels: ADDER_LABEL,
          containers: [{ readinessProbe: { httpGet: { path: '/ready', port: 8080 } } }],
        });
        // The API server loads the new configuration asynchronously: dry runs until the adder shows.
        await pollUntil(
          'the adder webhook to be called',
          30_000,
          async () => {
            const r = await e.kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], { input: p });
            return r.code === 0 && r.stdout.includes(SAW_SIDECAR_ANNOTATION) ? true : undefined;
          },
          e.diagnostics,
        );

        const r = await e.kubectl(['create', '-o', 'json', '-f', '-'], { as: 'bob', input: p });
        assertAdmitted(r, 'the Pod');
        const created = parseJson(r, 'the created Pod');
        const names = containerNames(created);
        const all = [...names.containers, ...names.initContainers];
        assert.equal(all.filter((n) => n === 'istio-proxy').length, 1, `exactly one sidecar: ${JSON.stringify(names)}`);
        assert.ok(names.containers.includes(ADDED_CONTAINER), `the adder's container: ${JSON.stringify(names)}`);
        assert.equal(annotationsOf(created)[SAW_SIDECAR_ANNOTATION], 'true', 'the adder ran after ztgate had injected');
        const expected = (kind: string): Json => ({ path: `/app-health/${ADDED_CONTAINER}/${kind}`, port: 15020 });
        const pick = (g: Json | undefined): Json => ({ path: g?.['path'], port: g?.['port'] });
        assert.deepEqual(pick(httpGet(created, ADDED_CONTAINER, 'readinessProbe')), expected('readyz'), 'readiness probe of the added container');
        assert.deepEqual(pick(httpGet(created, ADDED_CONTAINER, 'livenessProbe')), expected('livez'), 'liveness probe of the added container');
        assert.deepEqual(pick(httpGet(created, 'app', 'readinessProbe')), { path: '/app-health/app/readyz', port: 15020 });
        // The agent must learn the original probes of both containers.
        const probers = ((findContainer(created, 'istio-proxy')?.['env'] as Json[] | undefined) ?? []).find((v) => v['name'] === 'ISTIO_KUBE_APP_PROBERS');
        const table = JSON.parse(String(probers?.['value'] ?? '{}')) as Record<string, Json>;
        assert.deepEqual((table[`/app-health/${ADDED_CONTAINER}/readyz`]?.['httpGet'] as Json | undefined)?.['port'], ADDED_PROBE_PORT, JSON.stringify(table));
        assert.ok(table['/app-health/app/readyz'], JSON.stringify(table));
        // Both calls are logged once the validating decision (which comes after them) is.
        const isPod = (d: Json): boolean => d['namespace'] === ns && d['name'] === 'shop' && d['dryRun'] !== true;
        await e.ztgate.waitForDecisions('the validating decision for the Pod', (d) => isPod(d) && d['webhook'] === 'validate');
        const mutateCalls = e.ztgate.decisions().filter((d) => isPod(d) && d['webhook'] === 'mutate');
        assert.equal(mutateCalls.length, 2, `ztgate's mutating webhook should be called twice for the Pod (once more after the adder): ${JSON.stringify(mutateCalls)}`);
      } finally {
        await adder.stop();
      }
    });
  });
}
