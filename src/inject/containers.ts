import { asObject, isJsonObject, type JsonObject } from '../util/json.js';
import { PROXY } from './annotations.js';

export type ContainerList = 'containers' | 'initContainers';

export function specOf(pod: JsonObject): JsonObject {
  const spec = asObject(pod['spec']);
  if (spec) return spec;
  const created: JsonObject = {};
  pod['spec'] = created;
  return created;
}

export function containersOf(pod: JsonObject, list: ContainerList): JsonObject[] {
  const value = asObject(pod['spec'])?.[list];
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

export function findContainer(pod: JsonObject, list: ContainerList, name: string): JsonObject | undefined {
  return containersOf(pod, list).find((c) => c['name'] === name);
}

/** Regular containers first, then init containers, like istiod's FindContainerFromPod. */
export function findContainerInPod(pod: JsonObject, name: string): JsonObject | undefined {
  return findContainer(pod, 'containers', name) ?? findContainer(pod, 'initContainers', name);
}

export function findSidecar(pod: JsonObject): JsonObject | undefined {
  return findContainerInPod(pod, PROXY);
}

export function namesOf(list: unknown): string[] {
  return Array.isArray(list) ? list.filter(isJsonObject).map((c) => String(c['name'])) : [];
}

/** Replaces a container list, leaving the field absent when it was absent and stays empty. */
export function setContainers(pod: JsonObject, list: ContainerList, containers: JsonObject[]): void {
  const spec = specOf(pod);
  if (containers.length === 0 && !Object.hasOwn(spec, list)) return;
  spec[list] = containers;
}

export type Placement = 'first' | 'last' | 'remove';

/** istiod's modifyContainers: the (last) container with that name moved first or last, or removed. */
export function moveContainer(containers: JsonObject[], name: string, placement: Placement): JsonObject[] {
  const others = containers.filter((c) => c['name'] !== name);
  const match = containers.filter((c) => c['name'] === name).at(-1);
  if (!match || placement === 'remove') return others;
  return placement === 'first' ? [match, ...others] : [...others, match];
}
