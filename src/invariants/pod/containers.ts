import type { CheckContext } from '../../engine/types.js';
import { isInjectedContainer } from '../../inject/verify.js';
import { asArray, asObject, asString, type JsonObject } from '../../util/json.js';
import type { PodView } from './pod-specs.js';

export type ContainerList = 'containers' | 'initContainers' | 'ephemeralContainers';

/** Every list a process can run from: a rule applied to `containers` alone is bypassed by an init container. */
export const CONTAINER_LISTS: readonly ContainerList[] = ['containers', 'initContainers', 'ephemeralContainers'];

const NOUN: Record<ContainerList, string> = {
  containers: 'container',
  initContainers: 'init container',
  ephemeralContainers: 'ephemeral container',
};

export interface ContainerRef {
  list: ContainerList;
  index: number;
  name: string;
  container: JsonObject;
  /** Dotted path of the container in the reviewed object: `spec.template.spec.initContainers[0]`. */
  path: string;
  /** How a message names it: `init container "setup"`. */
  label: string;
}

export function containerRef(view: PodView, list: ContainerList, index: number, container: JsonObject): ContainerRef {
  const name = asString(container['name']) ?? '';
  return {
    list,
    index,
    name,
    container,
    path: `${view.specPath}.${list}[${index}]`,
    label: `${NOUN[list]} ${JSON.stringify(name)}`,
  };
}

export function containersOf(view: PodView, lists: readonly ContainerList[] = CONTAINER_LISTS): ContainerRef[] {
  const refs: ContainerRef[] = [];
  for (const list of lists) {
    asArray(view.spec[list]).forEach((item, index) => {
      const container = asObject(item);
      if (container) refs.push(containerRef(view, list, index, container));
    });
  }
  return refs;
}

export function securityContextOf(ref: ContainerRef): JsonObject {
  return asObject(ref.container['securityContext']) ?? {};
}

/**
 * Kubernetes passes capability names to the runtime as written, and runtimes accept both `NET_ADMIN`
 * and `CAP_NET_ADMIN` in any case, so every spelling must compare equal.
 */
export function normaliseCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice('CAP_'.length) : upper;
}

/** The capabilities a container adds, normalised; non-string entries (never valid) are ignored. */
export function addedCapabilities(ref: ContainerRef): string[] {
  const capabilities = asObject(securityContextOf(ref)['capabilities']);
  return asArray(capabilities?.['add']).flatMap((item) => (typeof item === 'string' ? [normaliseCapability(item)] : []));
}

/**
 * True only for a container ztgate's injector itself added, as the injection module verifies it
 * (status annotation and exact spec); a name alone never exempts anything.
 */
export function isInjected(ctx: CheckContext, view: PodView, ref: ContainerRef, names: readonly string[]): boolean {
  if (ref.list === 'ephemeralContainers' || !names.includes(ref.name)) return false;
  // A copy, so that no verifier can change the object the patch and later invariants see.
  return isInjectedContainer(structuredClone(view.template), ref.name, ref.list, ctx.request.namespace ?? '', ctx.config.injection);
}
