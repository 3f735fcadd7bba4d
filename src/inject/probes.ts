import { asArray, asObject, isJsonObject, stringMap, type JsonObject, type JsonValue } from '../util/json.js';
import { A, INIT, PROXY, VALIDATION } from './annotations.js';
import { cloneJson } from './clone.js';
import { containersOf, findSidecar } from './containers.js';
import { goJson, goShape } from './goshape.js';
import { parseGoBool } from './validate.js';

/**
 * Application probe rewriting. With mTLS enforced the kubelet cannot reach the application directly,
 * so its HTTP, TCP and gRPC probes (and HTTP/TCP lifecycle hooks) are pointed at istio-agent's status
 * port under `/app-health/<container>/{livez,readyz,startupz}` (`/app-lifecycle/.../{prestopz,poststartz}`)
 * and the originals travel to the agent in ISTIO_KUBE_APP_PROBERS.
 */

export const APP_PROBERS = 'ISTIO_KUBE_APP_PROBERS';

/**
 * The injected containers are not applications. istiod skips only the proxy; an override could give
 * istio-init a hook (which Kubernetes refuses on an init container anyway), and rewriting it would make
 * a second pass merge the original back in next to the rewritten handler.
 */
const NOT_APPLICATIONS = [PROXY, INIT, VALIDATION];

type ProbeKind = 'readinessProbe' | 'livenessProbe' | 'startupProbe';
type HookKind = 'preStop' | 'postStart';

const PROBE_PATHS: Record<ProbeKind, string> = { readinessProbe: 'readyz', livenessProbe: 'livez', startupProbe: 'startupz' };
const HOOK_PATHS: Record<HookKind, string> = { preStop: 'prestopz', postStart: 'poststartz' };

function probeUrl(container: string, kind: ProbeKind): string {
  return `/app-health/${container}/${PROBE_PATHS[kind]}`;
}

function hookUrl(container: string, kind: HookKind): string {
  return `/app-lifecycle/${container}/${HOOK_PATHS[kind]}`;
}

function proberOf(handler: JsonObject | undefined, withTimeout: boolean): JsonObject | undefined {
  if (!handler) return undefined;
  for (const kind of ['httpGet', 'tcpSocket', ...(withTimeout ? ['grpc'] : [])]) {
    const action = asObject(handler[kind]);
    if (!action) continue;
    const prober: JsonObject = { [kind]: cloneJson(action) };
    const timeout = handler['timeoutSeconds'];
    if (withTimeout && timeout !== undefined) prober['timeoutSeconds'] = timeout;
    return prober;
  }
  return undefined;
}

interface AgentEndpoint {
  /** The mesh-wide status port: istiod treats any probe on it as already rewritten. */
  meshPort: number;
  /** This Pod's status port (`status.sidecar.istio.io/port`), where its rewritten probes point. */
  podPort: number;
}

/**
 * Named ports resolve against the container's own ports. A probe already pointing at the agent is
 * skipped: on the mesh status port (istiod's rule), or at its own agent URL on the Pod's status port
 * (istiod misses that one and would record the agent as the application's prober).
 */
function resolvePorts(prober: JsonObject | undefined, container: JsonObject, url: string, agent: AgentEndpoint): JsonObject | undefined {
  if (!prober || prober['grpc']) return prober;
  const action = asObject(prober['httpGet']) ?? asObject(prober['tcpSocket']);
  if (!action) return undefined;
  const port = action['port'];
  if (typeof port === 'string') {
    const named = asArray(container['ports']).map(asObject).find((p) => p?.['name'] === port);
    if (typeof named?.['containerPort'] !== 'number') return undefined;
    action['port'] = named['containerPort'];
  } else if (port === agent.meshPort || (port === agent.podPort && action['path'] === url)) {
    return undefined;
  }
  return prober;
}

/** The probers of every application container, as the JSON istio-agent reads; '' when there are none. */
export function dumpAppProbers(pod: JsonObject, agent: AgentEndpoint): string {
  const probers: Record<string, JsonObject> = {};
  for (const container of [...containersOf(pod, 'initContainers'), ...containersOf(pod, 'containers')]) {
    const name = String(container['name']);
    if (NOT_APPLICATIONS.includes(name)) continue;
    for (const kind of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
      const url = probeUrl(name, kind);
      const prober = resolvePorts(proberOf(asObject(container[kind]), true), container, url, agent);
      if (prober) probers[url] = prober;
    }
    const lifecycle = asObject(container['lifecycle']);
    for (const kind of ['preStop', 'postStart'] as const) {
      const url = hookUrl(name, kind);
      const prober = resolvePorts(proberOf(asObject(lifecycle?.[kind]), false), container, url, agent);
      if (prober) probers[url] = prober;
    }
  }
  return Object.keys(probers).length === 0 ? '' : proberJson(probers);
}

function proberJson(probers: Record<string, JsonValue>): string {
  const out: JsonObject = {};
  for (const key of Object.keys(probers).sort()) {
    const prober = probers[key]!;
    out[key] = isJsonObject(prober) ? goShape(prober, 'Prober') : prober;
  }
  return goJson(out);
}

/** On re-injection the probers already recorded win: their probes were rewritten and cannot be read again. */
function mergeProbers(env: JsonObject[], probers: string, previouslyInjected: boolean): JsonObject[] {
  const appended = [...env, { name: APP_PROBERS, value: probers }];
  if (!previouslyInjected) return appended;
  const index = env.findIndex((e) => e['name'] === APP_PROBERS);
  if (index < 0) return appended;
  let existing: unknown;
  try {
    existing = JSON.parse(String(env[index]!['value'] ?? ''));
  } catch {
    return env;
  }
  if (!isJsonObject(existing)) return env;
  const merged: Record<string, JsonValue> = { ...(JSON.parse(probers) as JsonObject), ...existing };
  const out = [...env];
  out[index] = { name: APP_PROBERS, value: proberJson(merged) };
  return out;
}

function rewriteAction(action: JsonObject | undefined, url: string, port: number): JsonObject {
  const out: JsonObject = { path: url, port };
  for (const [key, value] of Object.entries(action ?? {})) if (key !== 'path' && key !== 'port') out[key] = value;
  if (out['scheme'] === 'HTTPS') out['scheme'] = 'HTTP';
  return out;
}

/** The handler pointed at the agent, or undefined when it is not an HTTP/TCP(/gRPC) check. */
function convert(handler: JsonObject | undefined, url: string, port: number, allowGrpc: boolean): JsonObject | undefined {
  if (!handler) return undefined;
  const httpGet = asObject(handler['httpGet']);
  if (httpGet) return { ...handler, httpGet: rewriteAction(httpGet, url, port) };
  for (const kind of ['tcpSocket', ...(allowGrpc ? ['grpc'] : [])]) {
    if (asObject(handler[kind])) {
      const out: JsonObject = { ...handler, httpGet: rewriteAction(undefined, url, port) };
      delete out[kind];
      return out;
    }
  }
  return undefined;
}

function rewriteContainer(container: JsonObject, port: number): void {
  const name = String(container['name']);
  for (const kind of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
    const converted = convert(asObject(container[kind]), probeUrl(name, kind), port, true);
    if (converted) container[kind] = converted;
  }
  const lifecycle = asObject(container['lifecycle']);
  if (!lifecycle) return;
  for (const kind of ['preStop', 'postStart'] as const) {
    const converted = convert(asObject(lifecycle[kind]), hookUrl(name, kind), port, false);
    if (converted) lifecycle[kind] = converted;
  }
}

export function shouldRewriteProbes(annotations: Record<string, string>, configured: boolean): boolean {
  const value = annotations[A.rewriteAppHTTPProbers];
  return (value === undefined ? undefined : parseGoBool(value)) ?? configured;
}

/**
 * Rewrites the application probes of the merged Pod in place and records the originals on the sidecar.
 * `statusPort` is the mesh-wide status port (what the agent of an un-annotated Pod listens on); the
 * rewritten probes follow the Pod's own `status.sidecar.istio.io/port`.
 */
export function applyProbeRewrite(pod: JsonObject, statusPort: number, configured: boolean): void {
  const sidecar = findSidecar(pod);
  if (!sidecar) return;
  const annotations = stringMap(asObject(pod['metadata'])?.['annotations']);
  if (!shouldRewriteProbes(annotations, configured)) return;
  const podPort = Object.hasOwn(annotations, A.statusPort) ? Number(annotations[A.statusPort]!.trim()) : statusPort;
  const probers = dumpAppProbers(pod, { meshPort: statusPort, podPort });
  if (probers !== '') {
    const env = asArray(sidecar['env']).filter(isJsonObject);
    sidecar['env'] = mergeProbers(env, probers, Object.hasOwn(annotations, A.status));
  }
  // Without a status port there is no agent endpoint to point the probes at (istiod would use port 0).
  if (podPort === 0) return;
  for (const container of [...containersOf(pod, 'containers'), ...containersOf(pod, 'initContainers')]) {
    if (!NOT_APPLICATIONS.includes(String(container['name']))) rewriteContainer(container, podPort);
  }
}
