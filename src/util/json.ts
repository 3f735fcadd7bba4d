export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a nested field without throwing; undefined when any step is missing or not an object. */
export function getPath(root: unknown, ...keys: (string | number)[]): JsonValue | undefined {
  let current: unknown = root;
  for (const key of keys) {
    if (typeof key === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[key];
    } else {
      if (!isJsonObject(current) || !Object.hasOwn(current, key)) return undefined;
      current = current[key];
    }
  }
  return current as JsonValue | undefined;
}

export function asObject(value: unknown): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

export function asArray(value: unknown): JsonValue[] {
  return Array.isArray(value) ? (value as JsonValue[]) : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** One entry of a label or annotation map, without copying a map that may hold 100,000 keys. */
export function stringEntry(value: unknown, key: string): string | undefined {
  if (!isJsonObject(value) || !Object.hasOwn(value, key)) return undefined;
  const entry = value[key];
  return typeof entry === 'string' ? entry : undefined;
}

/** Label and annotation maps: only string values count, as the API server guarantees. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isJsonObject(value)) return out;
  // Object.keys rather than Object.entries: no pair array per key on a path every review takes.
  for (const key of Object.keys(value)) {
    const entry = value[key];
    if (typeof entry === 'string') out[key] = entry;
  }
  return out;
}
