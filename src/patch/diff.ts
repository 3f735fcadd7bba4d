import type { JsonObject, JsonValue } from '../util/json.js';

export type PatchOperation =
  | { op: 'add'; path: string; value: JsonValue }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: JsonValue };

export type JsonPatch = PatchOperation[];

/** RFC 6901: `~` becomes `~0` and `/` becomes `~1` (`sidecar.istio.io~1status`). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  for (const key of aKeys) {
    if (!Object.hasOwn(b, key) || !jsonEqual(a[key], b[key])) return false;
  }
  return true;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function diffObjects(from: JsonObject, to: JsonObject, path: string, ops: JsonPatch): void {
  for (const key of Object.keys(from)) {
    if (!Object.hasOwn(to, key)) ops.push({ op: 'remove', path: `${path}/${escapePointerToken(key)}` });
  }
  for (const key of Object.keys(to)) {
    const child = `${path}/${escapePointerToken(key)}`;
    if (!Object.hasOwn(from, key)) ops.push({ op: 'add', path: child, value: to[key]! });
    else diffValues(from[key]!, to[key]!, child, ops);
  }
}

/**
 * Linear, not the classic O(n·m) edit distance: trim the common prefix and suffix, then diff the middle
 * element by element where lengths match, or remove the old middle and add the new one. Mutations add,
 * drop or rewrite a few elements (a container, a volume, a probe), which this expresses exactly, and a
 * hostile object with a huge array cannot make the patch quadratic.
 */
function diffArrays(from: JsonValue[], to: JsonValue[], path: string, ops: JsonPatch): void {
  let start = 0;
  while (start < from.length && start < to.length && jsonEqual(from[start], to[start])) start++;
  let fromEnd = from.length;
  let toEnd = to.length;
  while (fromEnd > start && toEnd > start && jsonEqual(from[fromEnd - 1], to[toEnd - 1])) {
    fromEnd--;
    toEnd--;
  }
  const common = Math.min(fromEnd, toEnd) - start;
  const pairs = fromEnd - start === toEnd - start ? common : 0;
  for (let i = 0; i < pairs; i++) diffValues(from[start + i]!, to[start + i]!, `${path}/${start + i}`, ops);
  if (pairs > 0) return;
  // Remove from the end backwards so earlier indices stay valid, then add in order.
  for (let i = fromEnd - 1; i >= start; i--) ops.push({ op: 'remove', path: `${path}/${i}` });
  for (let i = start; i < toEnd; i++) ops.push({ op: 'add', path: `${path}/${i}`, value: to[i]! });
}

function diffValues(from: JsonValue, to: JsonValue, path: string, ops: JsonPatch): void {
  if (jsonEqual(from, to)) return;
  if (Array.isArray(from) && Array.isArray(to)) diffArrays(from, to, path, ops);
  else if (isObject(from) && isObject(to)) diffObjects(from, to, path, ops);
  else ops.push({ op: 'replace', path, value: to });
}

/**
 * The RFC 6902 patch that turns `original` into `mutated`. Patches are always computed by diff, never
 * written by hand, so JSON Pointer escaping is right by construction. Empty when the objects are equal:
 * callers then send no patch at all.
 */
export function diffPatch(original: JsonObject, mutated: JsonObject): JsonPatch {
  const ops: JsonPatch = [];
  diffObjects(original, mutated, '', ops);
  return ops;
}
