import assert from 'node:assert/strict';

/** Sets an own, enumerable property even for `__proto__`, as JSON.parse does (plain assignment would set the prototype). */
export function setOwn(target: Record<string | number, unknown>, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const BUILTINS: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];
const SNAPSHOT = new Map(BUILTINS.map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort().join(',')]));

/** No builtin prototype gained or lost a key, and a fresh object inherits nothing enumerable. */
export function assertPrototypesClean(): void {
  for (const [name, proto] of BUILTINS) {
    assert.equal(Reflect.ownKeys(proto).map(String).sort().join(','), SNAPSHOT.get(name), `${name} was polluted`);
  }
  const fresh: Record<string, unknown> = {};
  for (const key in fresh) assert.fail(`a fresh object inherits the enumerable key ${key}`);
  assert.equal(Object.getPrototypeOf(fresh), Object.prototype);
}

/** `levels` nested objects (or arrays) around `inner`, built without recursion. */
export function nested(levels: number, inner: unknown = 'bottom', asArray = false): unknown {
  let value = inner;
  for (let i = 0; i < levels; i++) value = asArray ? [value] : { n: value };
  return value;
}

/** The same nesting as JSON text, for a body no JSON.stringify has to walk. */
export function nestedText(levels: number, asArray = false): string {
  return asArray ? `${'['.repeat(levels)}1${']'.repeat(levels)}` : `${'{"n":'.repeat(levels)}1${'}'.repeat(levels)}`;
}
