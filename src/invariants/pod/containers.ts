import type { CheckContext } from '../../engine/types.js';
import { injectedContainers, injectedKey } from '../../inject/verify.js';
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

/**
 * One container of a Pod view. `path` and `label` are built on first read: only a finding needs them,
 * and the refs of a view are shared by every invariant of the review (containersOf).
 */
export class ContainerRef {
  constructor(
    private readonly view: PodView,
    readonly list: ContainerList,
    readonly index: number,
    readonly name: string,
    readonly container: JsonObject,
  ) {}

  /** Dotted path of the container in the reviewed object: `spec.template.spec.initContainers[0]`. */
  get path(): string {
    return `${this.view.specPath}.${this.list}[${this.index}]`;
  }

  /** How a message names it: `init container "setup"`. */
  get label(): string {
    return `${NOUN[this.list]} ${JSON.stringify(this.name)}`;
  }
}

export function containerRef(view: PodView, list: ContainerList, index: number, container: JsonObject): ContainerRef {
  return new ContainerRef(view, list, index, asString(container['name']) ?? '', container);
}

/**
 * The refs of every list, built once per view: views are memoised per review (pod-specs.ts), so the
 * invariants that walk the containers share them. Always in CONTAINER_LISTS order, whatever `lists` says.
 */
export function containersOf(view: PodView, lists: readonly ContainerList[] = CONTAINER_LISTS): readonly ContainerRef[] {
  view.containerRefs ??= Object.freeze(buildRefs(view));
  return lists === CONTAINER_LISTS ? view.containerRefs : view.containerRefs.filter((ref) => lists.includes(ref.list));
}

function buildRefs(view: PodView): ContainerRef[] {
  const refs: ContainerRef[] = [];
  for (const list of CONTAINER_LISTS) {
    const items = asArray(view.spec[list]);
    for (let index = 0; index < items.length; index++) {
      const container = asObject(items[index]);
      if (container) refs.push(containerRef(view, list, index, container));
    }
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
  const added: string[] = [];
  for (const item of asArray(capabilities?.['add'])) if (typeof item === 'string') added.push(normaliseCapability(item));
  return added;
}

/**
 * True only for a container ztgate's injector itself added, as the injection module verifies it
 * (status annotation and exact spec); a name alone never exempts anything.
 */
export function isInjected(ctx: CheckContext, view: PodView, ref: ContainerRef, names: readonly string[]): boolean {
  if (ref.list === 'ephemeralContainers' || !names.includes(ref.name)) return false;
  const namespace = ctx.request.namespace ?? '';
  const { injection } = ctx.config;
  // Verified once per view, namespace and injection config: the invariants that ask share the answer.
  const known = view.injected;
  const injected =
    known && known.namespace === namespace && known.config === injection
      ? known.containers
      : (view.injected = { namespace, config: injection, containers: injectedContainers(view.template, namespace, injection) }).containers;
  return injected.has(injectedKey(ref.list, ref.name));
}
