/**
 * Freezes a value and everything it holds, for data shared across reviews (the config, cached sidecar
 * templates): a stray write then throws instead of changing what the next review sees.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
