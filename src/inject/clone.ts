import type { JsonValue } from '../util/json.js';

/**
 * A deep copy of parsed JSON, several times faster than structuredClone on a Pod. Anything that is not
 * plain JSON (a class instance, a Date) is left to structuredClone, so the copy is always as faithful.
 */
export function cloneJson<T extends JsonValue>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i]);
    return out;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const child = copy((value as Record<string, unknown>)[key]);
    // A "__proto__" key parsed from JSON is an own property; plain assignment would set the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: child, enumerable: true, writable: true, configurable: true });
    else out[key] = child;
  }
  return out;
}
