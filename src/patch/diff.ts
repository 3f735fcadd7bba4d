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

/** Most keys need no escaping; skipping the two regex replacements matters at every key of a Pod. */
function childPath(path: string, key: string): string {
  return key.includes('~') || key.includes('/') ? `${path}/${escapePointerToken(key)}` : `${path}/${key}`;
}

function diffObjects(from: JsonObject, to: JsonObject, path: string, ops: JsonPatch): void {
  for (const key of Object.keys(from)) {
    if (!Object.hasOwn(to, key)) ops.push({ op: 'remove', path: childPath(path, key) });
  }
  for (const key of Object.keys(to)) {
    const after = to[key]!;
    if (!Object.hasOwn(from, key)) ops.push({ op: 'add', path: childPath(path, key), value: after });
    else if (from[key] !== after) diffValues(from[key]!, after, childPath(path, key), ops);
  }
}

/**
 * Linear, not the classic O(n·m) edit distance. Arrays of equal length are diffed element by element
 * (an unchanged element produces nothing). Otherwise the common prefix and suffix are trimmed and the
 * middle is removed and added whole: mutations add or drop a few elements (a container, a volume),
 * which this expresses exactly, and a hostile object with a huge array cannot make the patch quadratic.
 */
function diffArrays(from: JsonValue[], to: JsonValue[], path: string, ops: JsonPatch): void {
  if (from.length === to.length) {
    for (let i = 0; i < from.length; i++) {
      if (from[i] !== to[i]) diffValues(from[i]!, to[i]!, `${path}/${i}`, ops);
    }
    return;
  }
  let start = 0;
  while (start < from.length && start < to.length && jsonEqual(from[start], to[start])) start++;
  let fromEnd = from.length;
  let toEnd = to.length;
  while (fromEnd > start && toEnd > start && jsonEqual(from[fromEnd - 1], to[toEnd - 1])) {
    fromEnd--;
    toEnd--;
  }
  // Remove from the end backwards so earlier indices stay valid, then add in order.
  for (let i = fromEnd - 1; i >= start; i--) ops.push({ op: 'remove', path: `${path}/${i}` });
  for (let i = start; i < toEnd; i++) ops.push({ op: 'add', path: `${path}/${i}`, value: to[i]! });
}

/**
 * One walk over both values: objects and arrays are descended into rather than compared first, so
 * every node is visited once, however deep (comparing at each level made deep nesting quadratic).
 */
function diffValues(from: JsonValue, to: JsonValue, path: string, ops: JsonPatch): void {
  if (from === to) return;
  if (Array.isArray(from)) {
    if (Array.isArray(to)) diffArrays(from, to, path, ops);
    else ops.push({ op: 'replace', path, value: to });
  } else if (isObject(from) && isObject(to)) diffObjects(from, to, path, ops);
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
