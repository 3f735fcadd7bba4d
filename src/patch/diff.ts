import { createPatch, type Operation } from 'rfc6902';
import type { JsonObject } from '../util/json.js';

export type JsonPatch = Operation[];

/**
 * The RFC 6902 patch that turns `original` into `mutated`. Patches are always computed by diff, never
 * written by hand, so JSON Pointer escaping (`sidecar.istio.io~1status`) is right by construction.
 * Empty when the objects are equal: callers send no patch at all then.
 */
export function diffPatch(original: JsonObject, mutated: JsonObject): JsonPatch {
  return createPatch(original, mutated);
}
