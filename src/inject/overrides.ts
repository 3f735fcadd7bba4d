import { asArray, asObject, stringMap, type JsonObject } from '../util/json.js';
import { A, INIT, PROXY, VALIDATION } from './annotations.js';
import { findContainer, findContainerInPod, findSidecar, type ContainerList } from './containers.js';
import { goJson, goShape } from './goshape.js';
import { strategicMergePod } from './smp.js';
import { injectionStatus, recordedOverrides } from './strip.js';

/**
 * User overrides: a Pod may carry its own `istio-proxy` or `istio-init` container (image `auto` meaning
 * "keep the injected image"); its fields are merged over the injected one. The overrides are recorded
 * in `proxy.istio.io/overrides` at first injection so that re-injection, which strips the merged
 * container, applies them again.
 */

/** Injected names per list, as the template produced them. */
export interface TemplateNames {
  containers: string[];
  initContainers: string[];
}

function overlayOf(container: JsonObject): JsonObject {
  const copy = structuredClone(container);
  if (copy['image'] === 'auto') delete copy['image'];
  return goShape(copy, 'Container');
}

/**
 * Merges the user's versions of injected containers over the merged Pod (istiod's
 * reapplyOverwrittenContainers). Containers the status annotation lists are skipped unless an override was
 * recorded for them: on re-injection they are the previous sidecar, not a user override.
 */
export function reapplyOverrides(merged: JsonObject, original: JsonObject, injected: TemplateNames): JsonObject {
  const recorded = recordedOverrides(original);
  const annotations = stringMap(asObject(original['metadata'])?.['annotations']);
  const alreadyInjected = Object.hasOwn(annotations, A.status);
  const status: TemplateNames = injectionStatus(original) ?? { containers: [], initContainers: [] };
  const applied: Record<ContainerList, JsonObject[]> = { containers: [], initContainers: [] };
  let result = merged;
  for (const list of ['containers', 'initContainers'] as const) {
    for (const name of injected[list]) {
      const recordedMatch = recorded[list].find((c) => c['name'] === name);
      // istiod skips every listed container here, which drops recorded overrides on re-injection; ztgate
      // re-applies them so that a second pass gives the same Pod.
      if (status[list].includes(name) && !recordedMatch) continue;
      const match =
        recordedMatch ?? (list === 'containers' ? findContainer(original, 'containers', name) : findContainerInPod(original, name));
      if (!match) continue;
      const overlay = overlayOf(match);
      applied[list].push(overlay);
      result = strategicMergePod(result, { spec: { [list]: [overlay] } });
    }
  }
  if (!alreadyInjected && (applied.containers.length > 0 || applied.initContainers.length > 0)) {
    const record: JsonObject = {};
    if (applied.containers.length > 0) record['containers'] = applied.containers;
    if (applied.initContainers.length > 0) record['initContainers'] = applied.initContainers;
    const metadata = (result['metadata'] = asObject(result['metadata']) ?? {});
    const out = (metadata['annotations'] = asObject(metadata['annotations']) ?? {});
    out[A.overrides] = goJson(record);
  }
  return result;
}

/**
 * The user's own istio-proxy: the one recorded at first injection, else (not injected yet) the one in
 * the Pod. istiod reads the Pod's proxy every time, which on re-injection is the merged result and so
 * can differ from what the user asked for.
 */
export function userProxy(original: JsonObject): JsonObject | undefined {
  const recorded = recordedOverrides(original);
  const proxy = [...recorded.initContainers, ...recorded.containers].find((c) => c['name'] === PROXY);
  if (proxy) return proxy;
  return injectionStatus(original) ? undefined : findSidecar(original);
}

/**
 * A user `istio-proxy` running under another UID needs istio-init to exempt that UID from redirection
 * (its `-u` argument); in TPROXY mode the proxy must stay root.
 */
export function adjustInitContainerUser(merged: JsonObject, user: JsonObject | undefined, tproxyByConfig: boolean): void {
  const security = asObject(user?.['securityContext']);
  const runAsUser = security?.['runAsUser'];
  const runAsGroup = security?.['runAsGroup'];
  if (!security || ((runAsUser === undefined || runAsUser === null) && (runAsGroup === undefined || runAsGroup === null))) return;
  const init = findContainer(merged, 'initContainers', INIT) ?? findContainer(merged, 'initContainers', VALIDATION);
  if (!init) return;
  const annotations = stringMap(asObject(merged['metadata'])?.['annotations']);
  const tproxy = tproxyByConfig || annotations[A.interceptionMode] === 'TPROXY';
  if (tproxy && typeof runAsUser === 'number') {
    const sidecarSecurity = asObject(findSidecar(merged)?.['securityContext']);
    if (sidecarSecurity) sidecarSecurity['runAsUser'] = 0;
  }
  if (!tproxy && init['name'] === VALIDATION) {
    const initSecurity = (init['securityContext'] = asObject(init['securityContext']) ?? {});
    if (typeof runAsUser === 'number') initSecurity['runAsUser'] = runAsUser;
    if (typeof runAsGroup === 'number') initSecurity['runAsGroup'] = runAsGroup;
  }
  if (typeof runAsUser !== 'number' || runAsUser === 0) return;
  const args = asArray(init['args']);
  const at = args.indexOf('-u');
  if (at >= 0 && at + 1 < args.length) args[at + 1] = String(runAsUser);
}
