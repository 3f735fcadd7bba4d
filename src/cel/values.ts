import { celList, celMap, isCelError, isCelList, isCelMap, isCelUint, type CelInput, type CelValue } from '@bufbuild/cel';

const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63;

/**
 * A JSON object's fields as CEL map entries, each converted when an expression first reads it: the
 * library's own map wraps this, so keys, equality and iteration behave as for a converted Map, while a
 * review whose rules read three fields of a Pod converts three fields, not the whole Pod. Objects are
 * never mutated during a review, so converting late sees the same values as converting up front.
 */
class LazyFields implements ReadonlyMap<string, CelInput> {
  private converted: Map<string, CelInput> | undefined;
  private names: string[] | undefined;

  constructor(private readonly source: object) {}

  /** Own enumerable string keys only, as Object.entries gave before. */
  private hasField(key: unknown): key is string {
    return typeof key === 'string' && Object.prototype.propertyIsEnumerable.call(this.source, key);
  }

  private field(key: string): CelInput {
    const converted = (this.converted ??= new Map());
    let value = converted.get(key);
    if (value === undefined) {
      value = toCelValue((this.source as Record<string, unknown>)[key]);
      converted.set(key, value);
    }
    return value;
  }

  private keyList(): string[] {
    return (this.names ??= Object.keys(this.source));
  }

  get size(): number {
    return this.keyList().length;
  }

  get(key: string): CelInput | undefined {
    const hit = this.converted?.get(key);
    if (hit !== undefined) return hit;
    return this.hasField(key) ? this.field(key) : undefined;
  }

  has(key: string): boolean {
    return this.hasField(key);
  }

  keys(): MapIterator<string> {
    return this.keyList()[Symbol.iterator]();
  }

  *values(): MapIterator<CelInput> {
    for (const key of this.keyList()) yield this.field(key);
  }

  *entries(): MapIterator<[string, CelInput]> {
    for (const key of this.keyList()) yield [key, this.field(key)];
  }

  forEach(callback: (value: CelInput, key: string, map: ReadonlyMap<string, CelInput>) => void, thisArg?: unknown): void {
    for (const key of this.keyList()) callback.call(thisArg, this.field(key), key, this);
  }

  [Symbol.iterator](): MapIterator<[string, CelInput]> {
    return this.entries();
  }
}

/**
 * The fields behind maps made here, so attribute access can read them without the library's map
 * wrapper: its get() converts a key and a value that, for these maps, are already a string and a CEL
 * value. A symbol-keyed property, like ELEMENTS below.
 */
const FIELDS = Symbol('fields');

/** ownField's answer for a map that toCelValue did not make. */
export const NOT_OURS = Symbol('not ours');

/** A field of a map made by toCelValue, exactly as the map's get() gives it; NOT_OURS for any other map. */
export function ownField(map: object, key: string): CelInput | undefined | typeof NOT_OURS {
  const fields = (map as { [FIELDS]?: LazyFields })[FIELDS];
  return fields === undefined ? NOT_OURS : fields.get(key);
}

/**
 * The converted elements behind lists made here, so loops can read them without the list's iterator.
 * A symbol-keyed property rather than a WeakMap: one list per review would otherwise churn the map.
 */
const ELEMENTS = Symbol('elements');

/** The elements a list made by toCelValue yields, in order; undefined for any other list. */
export function elementsOf(list: object): readonly CelInput[] | undefined {
  return (list as { [ELEMENTS]?: readonly CelInput[] })[ELEMENTS];
}

function listOf(array: readonly unknown[]): CelInput {
  let present = 0;
  const elements = array.map((element) => {
    present++;
    return toCelValue(element);
  });
  const list = celList(elements);
  // A sparse array's holes make the library's iterator throw; only dense ones are read directly.
  if (present === array.length) (list as { [ELEMENTS]?: readonly CelInput[] })[ELEMENTS] = elements;
  return list;
}

function mapOf(object: object): CelInput {
  const fields = new LazyFields(object);
  const map = celMap(fields);
  (map as { [FIELDS]?: LazyFields })[FIELDS] = fields;
  return map;
}

/**
 * JSON arrives with every number as a double; Kubernetes gives schema integers CEL int semantics, so
 * `object.spec.replicas + 1` works. With no schema here, every integral number within int64 becomes an int.
 * Objects convert lazily (LazyFields); lists convert their elements when the list is first read.
 */
export function toCelValue(value: unknown): CelInput {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'number':
      return Number.isInteger(value) && value >= INT64_MIN && value < INT64_MAX ? BigInt(value) : value;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return listOf(value);
      if (value instanceof Date) return value.toISOString();
      return mapOf(value);
    default:
      return null;
  }
}

/** A CEL value as a short, readable string for messages and audit annotations. */
export function describeValue(value: CelValue | undefined): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  if (isCelError(value)) return value.message;
  if (isCelUint(value)) return `${value.value}u`;
  if (isCelList(value)) return `[${[...value].map(describeValue).join(', ')}]`;
  if (isCelMap(value)) return `{${[...value.entries()].map(([k, v]) => `${describeValue(k as CelValue)}: ${describeValue(v)}`).join(', ')}}`;
  return String(value);
}
