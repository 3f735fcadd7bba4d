import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyPatch } from 'rfc6902';
import { mutateObject } from '../../src/inject/admission.js';
import { diffPatch } from '../../src/patch/diff.js';
import type { JsonObject } from '../../src/util/json.js';
import { fixtureConfig, podRequest } from './helpers.js';

/**
 * Whatever Pod arrives, the webhook answers (never throws), its patch reproduces the mutated Pod, and
 * a second pass over its own output changes nothing.
 */

const port = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom('http', 'grpc', 'missing'));
const handler = fc.oneof(
  fc.record({ httpGet: fc.record({ path: fc.constantFrom('/', '/ready'), port, scheme: fc.constantFrom('HTTP', 'HTTPS') }, { requiredKeys: ['port'] }) }),
  fc.record({ tcpSocket: fc.record({ port }) }),
  fc.record({ exec: fc.record({ command: fc.constant(['true']) }) }),
);
const probe = fc.oneof(handler, fc.record({ grpc: fc.record({ port: fc.integer({ min: 1, max: 65535 }) }) }));
const containerPorts = fc.uniqueArray(
  fc.record({ name: fc.constantFrom('http', 'grpc', 'metrics'), containerPort: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom('TCP', 'UDP') }),
  { selector: (p) => p.containerPort, maxLength: 3 },
);
const container = (name: fc.Arbitrary<string>) =>
  fc.record(
    {
      name,
      image: fc.constantFrom('app:1', 'auto'),
      ports: containerPorts,
      readinessProbe: probe,
      livenessProbe: probe,
      startupProbe: probe,
      lifecycle: fc.record({ preStop: handler, postStart: handler }, { requiredKeys: [] }),
      env: fc.uniqueArray(fc.record({ name: fc.constantFrom('A', 'B', 'C'), value: fc.string({ maxLength: 3 }) }), { selector: (e) => e.name, maxLength: 2 }),
      securityContext: fc.record({ runAsUser: fc.integer({ min: 0, max: 5000 }) }, { requiredKeys: [] }),
    },
    { requiredKeys: ['name', 'image'] },
  );
const annotationValues: Record<string, fc.Arbitrary<string>> = {
  'sidecar.istio.io/nativeSidecar': fc.constantFrom('true', 'false', ''),
  'sidecar.istio.io/interceptionMode': fc.constantFrom('REDIRECT', 'TPROXY', 'NONE'),
  'status.sidecar.istio.io/port': fc.constantFrom('15020', '15030', '0'),
  'traffic.sidecar.istio.io/excludeInboundPorts': fc.constantFrom('', '15020', '1,2'),
  'sidecar.istio.io/proxyCPU': fc.constantFrom('100m', '1000m', '0.5'),
  'sidecar.istio.io/rewriteAppHTTPProbers': fc.constantFrom('true', 'false'),
  'prometheus.io/port': fc.constantFrom('9090', '15020'),
  'prometheus.io/scrape': fc.constantFrom('true', 'false'),
  'proxy.istio.io/config': fc.constantFrom('holdApplicationUntilProxyStarts: true', 'proxyMetadata:\n  A: b', 'concurrency: 0'),
  'sidecar.istio.io/init-containers-before-proxy': fc.constantFrom('setup', 'setup,other'),
};
const pod = fc.record({
  annotations: fc.record(annotationValues, { requiredKeys: [] }),
  serviceAccountName: fc.constantFrom('web', 'a'.repeat(70)),
  containers: fc.uniqueArray(container(fc.constantFrom('app', 'worker', 'istio-proxy')), { selector: (c) => c.name, minLength: 1, maxLength: 3 }),
  initContainers: fc.uniqueArray(
    fc.oneof(container(fc.constantFrom('setup', 'istio-init')), fc.record({ name: fc.constant('native-helper'), image: fc.constant('x:1'), restartPolicy: fc.constant('Always') })),
    { selector: (c) => c.name, maxLength: 2 },
  ),
});

test('any Pod: an answer, a faithful patch, and a stable second pass', () => {
  const config = fixtureConfig();
  const facts = { namespaceLabels: { 'istio-injection': 'enabled' }, now: new Date(0) };
  fc.assert(
    fc.property(pod, (p) => {
      // Through JSON, as the API server's body arrives (fast-check builds objects without a prototype).
      const object = JSON.parse(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p', annotations: p.annotations },
          spec: { serviceAccountName: p.serviceAccountName, containers: p.containers, ...(p.initContainers.length ? { initContainers: p.initContainers } : {}) },
        }),
      ) as JsonObject;
      const first = mutateObject({ request: podRequest(object), facts, config, protectedNamespace: true });
      assert.equal(first.internalError, undefined);
      assert.equal(first.denial, undefined);
      assert.ok(first.mutated);
      const patched = structuredClone(object);
      applyPatch(patched, diffPatch(object, first.mutated));
      assert.deepEqual(patched, first.mutated);
      const second = mutateObject({ request: podRequest(first.mutated), facts, config, protectedNamespace: true });
      assert.equal(second.mutated, undefined, JSON.stringify(diffPatch(first.mutated, second.mutated ?? first.mutated)));
    }),
    { numRuns: 300, seed: 4 },
  );
});
