import { asArray, asObject, isJsonObject, type JsonObject } from '../util/json.js';
import { A } from './annotations.js';
import { clearPrometheusAnnotations, prometheusPort } from './prometheus.js';

/**
 * Re-injection support. A Pod that was injected before carries `sidecar.istio.io/status`, naming what
 * the injector added; the template is rendered from the Pod without those parts, so a second pass
 * (webhook reinvocation, `ztgate inject` on its own output) computes the same sidecar, never a second one.
 */

export interface InjectionStatus {
  initContainers: string[];
  containers: string[];
  volumes: string[];
  imagePullSecrets: string[];
  revision: string;
}

function names(value: unknown): string[] {
  return asArray(value).filter((item): item is string => typeof item === 'string');
}

/** The parsed status annotation, or undefined when absent or not JSON (istiod then ignores it too). */
export function injectionStatus(pod: JsonObject): InjectionStatus | undefined {
  const text = asObject(asObject(pod['metadata'])?.['annotations'])?.[A.status];
  if (typeof text !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isJsonObject(parsed)) return undefined;
  return {
    initContainers: names(parsed['initContainers']),
    containers: names(parsed['containers']),
    volumes: names(parsed['volumes']),
    imagePullSecrets: names(parsed['imagePullSecrets']),
    revision: typeof parsed['revision'] === 'string' ? parsed['revision'] : '',
  };
}

/** Go's json.Marshal of the status: empty lists are `null`. */
export function statusAnnotation(status: InjectionStatus): string {
  const list = (items: string[]) => (items.length === 0 ? null : items);
  return JSON.stringify({
    initContainers: list(status.initContainers),
    containers: list(status.containers),
    volumes: list(status.volumes),
    imagePullSecrets: list(status.imagePullSecrets),
    revision: status.revision || 'default',
  });
}

function withoutNamed(list: unknown, remove: string[]): JsonObject[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.filter((c) => isJsonObject(c) && !remove.includes(String(c['name']))) as JsonObject[];
}

/**
 * The Pod as it was before a previous injection (istiod's stripPod): the listed containers removed, the
 * Prometheus annotations the injector wrote cleared, the status annotation dropped. A clone; a Pod
 * without a status comes back unchanged.
 */
export function stripPod(pod: JsonObject, statusPort: number): JsonObject {
  const status = injectionStatus(pod);
  if (!status) return pod;
  const stripped = structuredClone(pod);
  const spec = asObject(stripped['spec']);
  if (spec) {
    const containers = withoutNamed(spec['containers'], status.containers);
    if (containers) spec['containers'] = containers;
    const initContainers = withoutNamed(spec['initContainers'], status.initContainers);
    if (initContainers) spec['initContainers'] = initContainers;
  }
  const annotations = asObject(asObject(stripped['metadata'])?.['annotations']);
  if (annotations) {
    if (prometheusPort(annotations) === String(statusPort)) clearPrometheusAnnotations(annotations);
    delete annotations[A.status];
  }
  return stripped;
}

export interface Overrides {
  containers: JsonObject[];
  initContainers: JsonObject[];
}

/** The user's container overrides recorded at first injection (`proxy.istio.io/overrides`). */
export function recordedOverrides(pod: JsonObject): Overrides {
  const text = asObject(asObject(pod['metadata'])?.['annotations'])?.[A.overrides];
  if (typeof text !== 'string') return { containers: [], initContainers: [] };
  const parsed: unknown = JSON.parse(text);
  const of = (key: string) => (isJsonObject(parsed) ? asArray(parsed[key]).filter(isJsonObject) : []);
  return { containers: of('containers'), initContainers: of('initContainers') };
}

/**
 * Puts recorded overrides back into a stripped Pod, where stripping removed a container the user had
 * customised, so the template sees the same Pod as on the first pass.
 */
export function reinsertOverrides(pod: JsonObject): JsonObject {
  const overrides = recordedOverrides(pod);
  if (overrides.containers.length === 0 && overrides.initContainers.length === 0) return pod;
  const out = structuredClone(pod);
  const spec = (out['spec'] = asObject(out['spec']) ?? {});
  for (const key of ['containers', 'initContainers'] as const) {
    const list = Array.isArray(spec[key]) ? (spec[key] as JsonObject[]) : [];
    for (const override of overrides[key]) {
      if (!list.some((c) => isJsonObject(c) && c['name'] === override['name'])) list.push(structuredClone(override));
    }
    if (list.length > 0) spec[key] = list;
  }
  return out;
}
