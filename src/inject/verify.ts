import { isDeepStrictEqual } from 'node:util';
import { API_TOKEN_MOUNT_PATH, TOKEN_VOLUME_PREFIX } from '../admission/service-account-plugin.js';
import { asArray, asObject, isJsonObject, type JsonObject, type JsonValue } from '../util/json.js';
import { A, PROXY } from './annotations.js';
import type { InjectionConfig } from './config.js';
import { findContainer, setContainers, containersOf } from './containers.js';
import { injectOwnedPod } from './inject.js';
import { workloadOfPod } from './owner.js';
import { APP_PROBERS } from './probes.js';
import { clearPrometheusAnnotations, prometheusPort } from './prometheus.js';
import { injectionStatus } from './strip.js';

/**
 * Whether a container is exactly ztgate's own injected one: ZT-POD-003 exempts istio-init's NET_ADMIN
 * only then, so a user container merely named `istio-init` (or an injected one edited afterwards, or
 * customised through overrides) is judged like any other container.
 *
 * The expected container is rendered afresh from the Pod stripped of every injected container and of
 * the override record. Two values of istio-proxy cannot be recomputed from the injected Pod, because
 * injection rewrote their source (the application probes and the Prometheus annotations); they are taken
 * from the container itself. Fields the API server adds by defaulting are accepted at their default value.
 */

const CARRIED_ENV = ['ISTIO_PROMETHEUS_ANNOTATIONS', APP_PROBERS];

function strippedForRender(pod: JsonObject, statusPort: number): JsonObject | undefined {
  const status = injectionStatus(pod);
  if (!status) return undefined;
  const stripped = structuredClone(pod);
  for (const list of ['containers', 'initContainers'] as const) {
    setContainers(stripped, list, containersOf(stripped, list).filter((c) => !status[list].includes(String(c['name']))));
  }
  const annotations = asObject(asObject(stripped['metadata'])?.['annotations']) ?? {};
  delete annotations[A.status];
  delete annotations[A.overrides];
  if (prometheusPort(annotations) === String(statusPort)) clearPrometheusAnnotations(annotations);
  return stripped;
}

function withCarriedEnv(expected: JsonObject, actual: JsonObject): JsonObject {
  const carried = asArray(actual['env']).filter((e) => isJsonObject(e) && CARRIED_ENV.includes(String(e['name'])));
  if (carried.length === 0) return expected;
  const env = asArray(expected['env']).filter((e) => !(isJsonObject(e) && CARRIED_ENV.includes(String(e['name']))));
  return { ...expected, env: [...env, ...carried] };
}

function defaultPullPolicy(image: unknown): string {
  const reference = typeof image === 'string' ? image : '';
  if (reference.includes('@')) return 'IfNotPresent';
  const lastPart = reference.slice(reference.lastIndexOf('/') + 1);
  return !lastPart.includes(':') || lastPart.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

/** A field the API server fills in by defaulting, at its default value. */
function isDefaulted(key: string, value: JsonValue, parentKey: string, parent: JsonObject): boolean {
  switch (key) {
    case 'terminationMessagePath':
      return value === '/dev/termination-log';
    case 'terminationMessagePolicy':
      return value === 'File';
    case 'imagePullPolicy':
      return value === defaultPullPolicy(parent['image']);
    case 'protocol':
      return parentKey === 'ports' && value === 'TCP';
    case 'apiVersion':
      return parentKey === 'fieldRef' && value === 'v1';
    case 'scheme':
      return value === 'HTTP';
    case 'timeoutSeconds':
      return value === 1;
    case 'periodSeconds':
      return value === 10;
    case 'successThreshold':
      return value === 1;
    case 'failureThreshold':
      return value === 3;
    case 'procMount':
      return value === 'Default';
    default:
      return false;
  }
}

/** `actual` equals `expected` apart from fields the API server defaulted (requests copied from limits). */
function matches(expected: JsonValue, actual: JsonValue | undefined, parentKey: string): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, i) => matches(item, actual[i], parentKey));
  }
  if (!isJsonObject(expected)) return isDeepStrictEqual(expected, actual);
  if (!isJsonObject(actual)) return false;
  for (const [key, value] of Object.entries(expected)) {
    if (!matches(value, actual[key], key)) return false;
  }
  for (const [key, value] of Object.entries(actual)) {
    if (!Object.hasOwn(expected, key) && !isDefaulted(key, value, parentKey, actual)) return false;
  }
  return true;
}

/** The API server copies a limit into the requests when the request is missing: undo that before comparing. */
function withoutDefaultedRequests(expected: JsonObject, actual: JsonObject): JsonObject {
  const resources = asObject(actual['resources']);
  const requests = asObject(resources?.['requests']);
  const limits = asObject(resources?.['limits']);
  if (!resources || !requests || !limits) return actual;
  const expectedRequests = asObject(asObject(expected['resources'])?.['requests']) ?? {};
  const kept: JsonObject = {};
  for (const [name, quantity] of Object.entries(requests)) {
    if (Object.hasOwn(expectedRequests, name) || !isDeepStrictEqual(limits[name], quantity)) kept[name] = quantity;
  }
  const out: JsonObject = { ...resources };
  if (Object.keys(kept).length > 0) out['requests'] = kept;
  else delete out['requests'];
  return { ...actual, resources: out };
}

type InjectedList = 'initContainers' | 'containers';

/** The key of a container in injectedContainers' answer. */
export function injectedKey(list: InjectedList, name: string): string {
  return `${list}/${name}`;
}

/**
 * Every container of the Pod that is exactly ztgate's injection (as `injectedKey`s). The Pod is rendered
 * once per form the injector may have seen (asMutatingAdmissionSawIt) and each container its status
 * annotation lists is compared with that rendering: checking one container at a time rendered the whole
 * Pod again for each, twice for istio-init (ZT-POD-003 and ZT-POD-004 both ask), about 1 ms per review
 * of an injected Pod. The Pod is only read; the rendering works on a copy.
 */
export function injectedContainers(pod: JsonObject, namespace: string, config: InjectionConfig): ReadonlySet<string> {
  const injected = new Set<string>();
  try {
    const status = injectionStatus(pod);
    if (!status) return injected;
    const listed: { list: InjectedList; name: string; actual: JsonObject }[] = [];
    for (const list of ['initContainers', 'containers'] as const) {
      for (const name of status[list]) {
        const actual = findContainer(pod, list, name);
        if (actual) listed.push({ list, name, actual });
      }
    }
    if (listed.length === 0) return injected;
    for (const candidate of asMutatingAdmissionSawIt(pod)) {
      // A ReplicaSet's Pod usually renders the same with or without its generated name: one rendering will do.
      if (injected.size === listed.length) break;
      const rendered = renderedFrom(candidate, namespace, config);
      if (!rendered) continue;
      for (const { list, name, actual } of listed) {
        const key = injectedKey(list, name);
        if (!injected.has(key) && rendersAs(rendered, actual, name, list, pod)) injected.add(key);
      }
    }
  } catch {
    // An unparseable Pod is not ztgate's injection: failing closed keeps the exemption narrow.
    injected.clear();
  }
  return injected;
}

export function isInjectedContainer(pod: JsonObject, containerName: string, list: InjectedList, namespace: string, config: InjectionConfig): boolean {
  return injectedContainers(pod, namespace, config).has(injectedKey(list, containerName));
}

/**
 * The Pod as the injector may have seen it. The API server names a Pod made from generateName only
 * after mutating admission, so the injector saw no name, and a bare Pod's workload (named after the
 * Pod, as Istio does) was empty then; verifying with the generated name would render another sidecar.
 * Both forms are tried when the Pod has a generateName: each is a rendering ztgate could have made.
 */
function asMutatingAdmissionSawIt(pod: JsonObject): JsonObject[] {
  const metadata = asObject(pod['metadata']);
  if (!metadata || typeof metadata['generateName'] !== 'string' || metadata['name'] === undefined) return [pod];
  const { name: _generated, ...unnamed } = metadata;
  return [pod, { ...pod, metadata: unnamed }];
}

/** ztgate's injection of the Pod stripped of its injected containers, as it would render it now. */
function renderedFrom(pod: JsonObject, namespace: string, config: InjectionConfig): JsonObject | undefined {
  const stripped = strippedForRender(pod, config.statusPort);
  // The stripped Pod is already a copy of ours: injectOwnedPod renders into it without copying it again.
  return stripped && injectOwnedPod({ pod: stripped, namespace, workload: workloadOfPod(pod, namespace), config });
}

/** The volume the plugin adds: `kube-api-access-` and a random suffix, projecting a ServiceAccount token. */
function isServiceAccountTokenVolume(volume: JsonObject | undefined): boolean {
  if (typeof volume?.['name'] !== 'string' || !volume['name'].startsWith(TOKEN_VOLUME_PREFIX)) return false;
  return asArray(asObject(volume['projected'])?.['sources']).some((source) => asObject(source)?.['serviceAccountToken'] !== undefined);
}

/**
 * The container without the token mount the ServiceAccount admission plugin appended to it. The API
 * server runs its built-in mutating plugins again after a webhook changed the object, and the plugin
 * then mounts the Pod's token volume into every container without a mount at its path, the injected
 * ones included: every injected Pod of a cluster that automounts tokens (the default) carries it. Only
 * that exact mount is taken off: the last one, read-only, at that path, of the Pod's projected token
 * volume, on a container whose rendering mounts nothing there. (The container's image, command and
 * arguments must still be exactly the rendered ones, so only Istio's own code could read the token.)
 */
function withoutServiceAccountMount(expected: JsonObject, actual: JsonObject, pod: JsonObject): JsonObject {
  const mounts = asArray(actual['volumeMounts']);
  const last = asObject(mounts[mounts.length - 1]);
  if (!last || Object.keys(last).length !== 3 || last['mountPath'] !== API_TOKEN_MOUNT_PATH || last['readOnly'] !== true) return actual;
  if (asArray(expected['volumeMounts']).some((mount) => asObject(mount)?.['mountPath'] === API_TOKEN_MOUNT_PATH)) return actual;
  const volume = asArray(asObject(pod['spec'])?.['volumes']).map(asObject).find((v) => v?.['name'] === last['name']);
  if (!isServiceAccountTokenVolume(volume)) return actual;
  const { volumeMounts: _mounts, ...rest } = actual;
  return mounts.length === 1 && expected['volumeMounts'] === undefined ? rest : { ...rest, volumeMounts: mounts.slice(0, -1) };
}

function rendersAs(rendered: JsonObject, actual: JsonObject, containerName: string, list: InjectedList, pod: JsonObject): boolean {
  const fresh = findContainer(rendered, list, containerName);
  if (!fresh) return false;
  const expected = containerName === PROXY ? withCarriedEnv(fresh, actual) : fresh;
  return matches(expected, withoutDefaultedRequests(expected, withoutServiceAccountMount(expected, actual, pod)), list);
}
