import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import type { AdmissionRequest } from '../../src/admission/types.js';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import type { JsonObject, JsonValue } from '../../src/util/json.js';

/** The config of the golden fixtures: pinned hub and tag so a new default release does not churn them. */
export function fixtureConfig(injection: Record<string, unknown> = {}): Config {
  return parseConfig({ injection: { hub: 'docker.io/istio', tag: '1.28.0', ...injection } }, 'test fixture');
}

/** Every non-empty document of a YAML stream, as plain JSON values. */
export function yamlDocuments(text: string): JsonObject[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as JsonValue)
    .filter((value): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value));
}

/** A Pod admission request as the API server sends it; `overrides` replace single fields. */
export function podRequest(object: JsonObject, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: 'test',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'shop',
    operation: 'CREATE',
    userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: [] },
    object,
    dryRun: false,
    ...overrides,
  };
}

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
/** Pods as the property tests generate them: probes, ports, overrides, the injection annotations. */
export const arbitraryPod = fc.record({
  annotations: fc.record(annotationValues, { requiredKeys: [] }),
  serviceAccountName: fc.constantFrom('web', 'a'.repeat(70)),
  containers: fc.uniqueArray(container(fc.constantFrom('app', 'worker', 'istio-proxy')), { selector: (c) => c.name, minLength: 1, maxLength: 3 }),
  initContainers: fc.uniqueArray(
    fc.oneof(container(fc.constantFrom('setup', 'istio-init')), fc.record({ name: fc.constant('native-helper'), image: fc.constant('x:1'), restartPolicy: fc.constant('Always') })),
    { selector: (c) => c.name, maxLength: 2 },
  ),
});

export type ArbitraryPod = typeof arbitraryPod extends fc.Arbitrary<infer P> ? P : never;

/** A generated Pod through JSON, as the API server's body arrives (fast-check builds objects without a prototype). */
export function podObject(p: ArbitraryPod): JsonObject {
  return JSON.parse(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', annotations: p.annotations },
      spec: { serviceAccountName: p.serviceAccountName, containers: p.containers, ...(p.initContainers.length ? { initContainers: p.initContainers } : {}) },
    }),
  ) as JsonObject;
}
