import { asArray, asObject, isJsonObject, stringEntry, stringMap, type JsonObject } from '../util/json.js';
import { A, INIT, L, PROXY, VALIDATION } from './annotations.js';
import type { InjectionConfig } from './config.js';
import { namesOf, containersOf, findContainer, findSidecar, moveContainer, setContainers, specOf } from './containers.js';
import { cloneJson } from './clone.js';
import { goShape } from './goshape.js';
import { adjustInitContainerUser, reapplyOverrides, userProxy, type TemplateNames } from './overrides.js';
import type { Workload } from './owner.js';
import { applyProbeRewrite } from './probes.js';
import { applyPrometheusMerge } from './prometheus.js';
import { holdFromProxyConfig, interceptionModeFromProxyConfig, parseProxyConfig, type ProxyConfig } from './proxyconfig.js';
import { canMergeNewItems, mergeNewItems, strategicMergePod } from './smp.js';
import { reinsertOverrides, statusAnnotation, stripPod } from './strip.js';
import { templateFor } from './template-cache.js';
import { validateAnnotations } from './validate.js';

/**
 * The injection pipeline, in istiod's order: validate the annotations, render the template from the Pod
 * stripped of any previous injection, merge it onto the Pod, re-apply user overrides, then the
 * post-processing the template cannot express (cluster env, Prometheus merge, probe rewriting, the
 * status annotation, container order). Pure: returns a new Pod, never touches its input.
 */

export interface InjectionRequest {
  /** A Pod, or a Pod template shaped as one (`{metadata, spec}`). */
  pod: JsonObject;
  /** The Pod's namespace (the request's namespace: Pods created by controllers carry none). */
  namespace: string;
  workload: Workload;
  config: InjectionConfig;
}

export const CORE_DUMP = 'enable-core-dump';

/** Cluster and network set by configuration or label replace the template's entries, at the end. */
function clusterEnv(pod: JsonObject, config: InjectionConfig): Record<string, string> {
  const env: Record<string, string> = {};
  if (config.clusterID) env['ISTIO_META_CLUSTER_ID'] = config.clusterID;
  const network = stringEntry(asObject(pod['metadata'])?.['labels'], L.network) ?? config.network;
  if (network) env['ISTIO_META_NETWORK'] = network;
  return env;
}

function overwriteClusterEnv(pod: JsonObject, env: Record<string, string>): void {
  const sidecar = findSidecar(pod);
  if (!sidecar || Object.keys(env).length === 0) return;
  const kept = asArray(sidecar['env']).filter((e) => isJsonObject(e) && !Object.hasOwn(env, String(e['name'])));
  sidecar['env'] = [...kept, ...Object.keys(env).sort().map((name) => ({ name, value: env[name]! }))];
}

/** Native sidecars: istio-init, then the proxy, then the rest; classic: istio-init last, the proxy last. */
function reorder(pod: JsonObject, hold: boolean): void {
  setContainers(pod, 'containers', moveContainer(containersOf(pod, 'containers'), PROXY, hold ? 'first' : 'last'));
  let init = containersOf(pod, 'initContainers');
  if (findContainer(pod, 'initContainers', PROXY)) {
    const annotations = stringMap(asObject(pod['metadata'])?.['annotations']);
    const before = [...new Set((annotations[A.initContainersBeforeProxy] ?? '').split(','))];
    init = moveContainer(init, CORE_DUMP, 'first');
    init = moveContainer(init, PROXY, 'first');
    for (const name of [...before].reverse()) init = moveContainer(init, name, 'first');
    init = moveContainer(init, VALIDATION, 'first');
    init = moveContainer(init, INIT, 'first');
  } else {
    init = moveContainer(init, VALIDATION, 'first');
    init = moveContainer(init, INIT, 'last');
    init = moveContainer(init, CORE_DUMP, 'last');
  }
  setContainers(pod, 'initContainers', init);
}

/** What Go's serialisation does to the injected containers (zero values dropped, quantities canonical). */
function normalizeInjected(pod: JsonObject, injected: TemplateNames): void {
  for (const list of ['containers', 'initContainers'] as const) {
    const containers = containersOf(pod, list);
    if (containers.length === 0) continue;
    const names = [...injected.containers, ...injected.initContainers];
    specOf(pod)[list] = containers.map((c) => (names.includes(String(c['name'])) ? goShape(c, 'Container') : c));
  }
}

/** With native sidecars a user `istio-proxy` in `containers` belongs with the injected one in `initContainers`. */
function moveUserProxy(pod: JsonObject, native: boolean): JsonObject {
  if (!native || !findContainer(pod, 'containers', PROXY)) return pod;
  const out = structuredClone(pod);
  const proxy = findContainer(out, 'containers', PROXY)!;
  setContainers(out, 'containers', containersOf(out, 'containers').filter((c) => c !== proxy));
  setContainers(out, 'initContainers', [...containersOf(out, 'initContainers'), proxy]);
  return out;
}

/** Injects the sidecar; throws AnnotationError when the Pod's annotations are invalid. */
export function injectPod(request: InjectionRequest): JsonObject {
  return injectOwnedPod({ ...request, pod: cloneJson(request.pod) });
}

/**
 * A user container named like an injected one is an override (overrides.ts), and recorded overrides
 * come back on re-injection: without either, re-applying overrides has nothing to do.
 */
function hasOverrides(pod: JsonObject, injected: TemplateNames): boolean {
  if (Object.hasOwn(asObject(asObject(pod['metadata'])?.['annotations']) ?? {}, A.overrides)) return true;
  const names = new Set([...injected.containers, ...injected.initContainers]);
  return [...containersOf(pod, 'containers'), ...containersOf(pod, 'initContainers')].some((c) => names.has(String(c['name'])));
}

export interface InjectOptions {
  /**
   * The shortcuts for a first injection (default on): a cached template, merged into the Pod in place
   * with its containers already in Go's shape. Off, every Pod takes the general path; tests compare the two.
   */
  shortcuts?: boolean;
}

/**
 * injectPod for a Pod the caller owns (the admission path's copy), which it reuses: on a first
 * injection without overrides, the rendered template is merged into it in place. Whatever is read from
 * the Pod as the user sent it is read before that merge.
 */
export function injectOwnedPod(request: InjectionRequest, options: InjectOptions = {}): JsonObject {
  const shortcuts = options.shortcuts ?? true;
  const { pod, config } = request;
  const annotations = stringMap(asObject(pod['metadata'])?.['annotations']);
  validateAnnotations(annotations);
  const proxyConfig: ProxyConfig = parseProxyConfig(annotations[A.proxyConfig]);

  const stripped = reinsertOverrides(stripPod(pod, config.statusPort));
  const template = templateFor({ pod: stripped, workload: request.workload, proxyConfig, config }, shortcuts);
  const templateSpec = asObject(template.patch['spec']) ?? {};
  const injected: TemplateNames = {
    containers: namesOf(templateSpec['containers']),
    initContainers: namesOf(templateSpec['initContainers']),
  };
  const volumeNames = namesOf(templateSpec['volumes']);
  const user = userProxy(pod);
  const env = clusterEnv(pod, config);

  const base = moveUserProxy(pod, injected.initContainers.includes(PROXY));
  // The shaped containers stay in Go's shape through what follows: it only adds env entries with
  // values, reorders lists and, for application containers, rewrites probes.
  const inPlace = shortcuts && base === pod && !hasOverrides(pod, injected) && canMergeNewItems(pod, template.shapedPatch);
  let merged: JsonObject;
  if (inPlace) {
    mergeNewItems(pod, cloneJson(template.shapedPatch));
    merged = pod;
  } else {
    merged = reapplyOverrides(strategicMergePod(base, template.patch), pod, injected);
  }
  const tproxy = interceptionModeFromProxyConfig(proxyConfig) === 'TPROXY';
  adjustInitContainerUser(merged, user, tproxy);

  overwriteClusterEnv(merged, env);
  const prometheusEnv = applyPrometheusMerge(merged, config.statusPort, config.prometheusMerge);
  const sidecar = findSidecar(merged);
  if (prometheusEnv && sidecar) sidecar['env'] = [...asArray(sidecar['env']), prometheusEnv];
  applyProbeRewrite(merged, config.statusPort, config.rewriteAppHTTPProbers);

  const metadata = (merged['metadata'] = asObject(merged['metadata']) ?? {});
  const labels = (metadata['labels'] = asObject(metadata['labels']) ?? {});
  const network = env['ISTIO_META_NETWORK'];
  if (network) labels[L.network] = network;
  const podAnnotations = (metadata['annotations'] = asObject(metadata['annotations']) ?? {});
  podAnnotations[A.status] = statusAnnotation({
    initContainers: injected.initContainers,
    containers: injected.containers,
    volumes: volumeNames,
    imagePullSecrets: [],
    revision: config.revision,
  });
  reorder(merged, holdFromProxyConfig(proxyConfig) || config.holdApplicationUntilProxyStarts);
  if (!inPlace) normalizeInjected(merged, injected);
  return merged;
}
