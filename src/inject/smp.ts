import { isJsonObject, type JsonObject, type JsonValue } from '../util/json.js';

/**
 * Kubernetes strategic merge patch, restricted to what a Pod needs. istiod merges its rendered template
 * onto the Pod this way and then merges a user's own `istio-proxy`/`istio-init` onto the result, so
 * which fields win, and the order of the merged lists, follow these rules (apimachinery's
 * strategicpatch: merge lists by key, patch items in patch order, the object's other items slotted in
 * by their original position).
 */

/** Lists merged by key, by their field path from the Pod root (list indices left out). */
const CONTAINER_LISTS: Record<string, string> = {
  ports: 'containerPort',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
};
const POD_LISTS: Record<string, string> = {
  'spec.containers': 'name',
  'spec.initContainers': 'name',
  'spec.ephemeralContainers': 'name',
  'spec.volumes': 'name',
  'spec.imagePullSecrets': 'name',
  'spec.hostAliases': 'ip',
  'spec.resourceClaims': 'name',
  'spec.schedulingGates': 'name',
  'metadata.ownerReferences': 'uid',
};
/** Lists of scalars merged as sets. */
const SCALAR_SETS = new Set(['metadata.finalizers']);

function mergeKeyOf(path: string): string | undefined {
  if (POD_LISTS[path]) return POD_LISTS[path];
  const match = /^spec\.(?:containers|initContainers|ephemeralContainers)\.(\w+)$/.exec(path);
  return match ? CONTAINER_LISTS[match[1]!] : undefined;
}

function keyOf(item: JsonValue, key: string): JsonValue | undefined {
  if (!isJsonObject(item) || !Object.hasOwn(item, key)) {
    throw new Error(`strategic merge: list item without its merge key "${key}"`);
  }
  return item[key];
}

function indexByKey(list: JsonValue[], key: string, value: JsonValue | undefined): number {
  return list.findIndex((item) => isJsonObject(item) && item[key] === value);
}

/** Interleaves the object's own items (left) into the patch items (right), keeping both relative orders. */
function mergeSorted(left: JsonValue[], right: JsonValue[], order: JsonValue[], key: string): JsonValue[] {
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = indexByKey(order, key, keyOf(left[i]!, key));
      const ri = indexByKey(order, key, keyOf(right[j]!, key));
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

function mergeList(original: JsonValue[], patch: JsonValue[], key: string, path: string): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const merged = [...original];
  for (const item of patch) {
    const at = indexByKey(merged, key, keyOf(item, key));
    if (at >= 0) merged[at] = mergeValue(merged[at]!, item, path);
    else merged.push(structuredClone(item));
  }
  const patchKeys = patch.map((item) => keyOf(item, key));
  const fromPatch = merged
    .filter((item) => patchKeys.includes(keyOf(item, key)))
    .sort((a, b) => patchKeys.indexOf(keyOf(a, key)) - patchKeys.indexOf(keyOf(b, key)));
  const serverOnly = merged.filter((item) => !patchKeys.includes(keyOf(item, key)));
  return mergeSorted(serverOnly, fromPatch, original, key);
}

function mergeValue(original: JsonValue, patch: JsonValue, path: string): JsonValue {
  if (isJsonObject(original) && isJsonObject(patch)) return mergeObject(original, patch, path);
  if (Array.isArray(original) && Array.isArray(patch)) {
    const key = mergeKeyOf(path);
    if (key) return mergeList(original, patch, key, path);
    if (SCALAR_SETS.has(path)) return [...new Set([...original, ...patch])];
  }
  return structuredClone(patch);
}

function mergeObject(original: JsonObject, patch: JsonObject, path: string): JsonObject {
  const out: JsonObject = { ...original };
  for (const [key, value] of Object.entries(patch)) {
    const childPath = path ? `${path}.${key}` : key;
    if (value === null) delete out[key];
    else if (!Object.hasOwn(out, key)) out[key] = structuredClone(value);
    else out[key] = mergeValue(out[key]!, value, childPath);
  }
  return out;
}

/** `patch` merged onto the Pod `original`: a new object sharing nothing with either. */
export function strategicMergePod(original: JsonObject, patch: JsonObject): JsonObject {
  return structuredClone(mergeObject(original, patch, ''));
}

/** The merged maps and lists of a rendered sidecar template, and nothing else. */
const PATCH_SHAPE: Record<string, readonly string[]> = { metadata: ['labels', 'annotations'], spec: ['initContainers', 'containers', 'volumes'] };

function namedItems(list: unknown): Set<unknown> | undefined {
  if (!Array.isArray(list)) return undefined;
  const names = new Set<unknown>();
  for (const item of list) {
    if (!isJsonObject(item) || !Object.hasOwn(item, 'name')) return undefined;
    names.add(item['name']);
  }
  return names;
}

/**
 * Whether mergeNewItems(pod, patch) gives what strategicMergePod would: a patch shaped like the rendered
 * template (string labels and annotations; spec initContainers, containers and volumes) whose list
 * items, all named, are all new to the Pod, whose own list items are all named too. The strategic
 * merge then only sets the map entries and puts the patch items first in each list.
 */
export function canMergeNewItems(pod: JsonObject, patch: JsonObject): boolean {
  for (const [section, value] of Object.entries(patch)) {
    const fields = PATCH_SHAPE[section];
    const target = pod[section];
    if (!fields || !isJsonObject(value) || !isJsonObject(target)) return false;
    for (const [field, patchValue] of Object.entries(value)) {
      if (!fields.includes(field)) return false;
      const current = target[field];
      if (section === 'metadata') {
        if (!isJsonObject(patchValue) || (current !== undefined && !isJsonObject(current))) return false;
        if (!Object.values(patchValue).every((entry) => typeof entry === 'string')) return false;
        continue;
      }
      const added = namedItems(patchValue);
      if (!added || added.size !== (patchValue as JsonValue[]).length) return false;
      if (current === undefined) continue;
      const existing = namedItems(current);
      if (!existing) return false;
      for (const name of existing) if (added.has(name)) return false;
    }
  }
  return true;
}

/**
 * strategicMergePod's result for a patch canMergeNewItems accepted, made in place in a Pod the caller
 * owns without walking and copying the whole Pod. The patch's objects move into the Pod.
 */
export function mergeNewItems(pod: JsonObject, patch: JsonObject): void {
  for (const [section, value] of Object.entries(patch) as [string, JsonObject][]) {
    const target = pod[section] as JsonObject;
    for (const [field, patchValue] of Object.entries(value)) {
      const current = target[field];
      if (section === 'metadata') {
        const map = isJsonObject(current) ? current : (target[field] = {});
        for (const [key, entry] of Object.entries(patchValue as JsonObject)) map[key] = entry;
      } else {
        target[field] = Array.isArray(current) ? [...(patchValue as JsonValue[]), ...current] : patchValue;
      }
    }
  }
}
