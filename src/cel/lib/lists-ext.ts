import { celFunc, celList, celMethod, CelScalar, celType, isCelList, isCelUint, listType, type CelList, type CelValue } from '@bufbuild/cel';
import { charge } from '../budget.js';
import { SORT_BY_KEYS } from '../macros.js';
import { celEquals, celLess } from './operators.js';
import { compareStrings } from './string-order.js';

const { INT } = CelScalar;
const LIST = listType(CelScalar.DYN);

/**
 * cel-go's lists extension at the version Kubernetes 1.34 enables (ext.Lists(ListsVersion(3))):
 * slice, flatten, sort, sortBy (a macro, macros.ts, over the internal sort below), lists.range, reverse
 * and distinct, with cel-go's error texts. Every function charges the budget for the elements it
 * touches, before it allocates: `lists.range(n)` with a huge n must fail on the budget, not on memory.
 */

function slice(list: CelList, start: bigint, end: bigint): CelList {
  if (start < 0n || end < 0n) throw new Error(`cannot slice(${start}, ${end}), negative indexes not supported`);
  if (start > end) throw new Error(`cannot slice(${start}, ${end}), start index must be less than or equal to end index`);
  if (BigInt(list.size) < end) throw new Error(`cannot slice(${start}, ${end}), list is length ${list.size}`);
  charge(Number(end - start));
  return celList([...list].slice(Number(start), Number(end)));
}

function flatten(list: CelList, depth: bigint): CelValue[] {
  if (depth < 0n) throw new Error('level must be non-negative');
  charge(list.size);
  const flat: CelValue[] = [];
  for (const item of list) {
    if (depth > 0n && typeof item === 'object' && item !== null && isCelList(item)) flat.push(...flatten(item, depth - 1n));
    else flat.push(item);
  }
  return flat;
}

/** The kinds cel-go's sort accepts (comparable types), by the name CEL gives each value's type. */
const COMPARABLE = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'google.protobuf.Timestamp', 'google.protobuf.Duration']);

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function compareKeys(a: CelValue, b: CelValue): number {
  if (typeof a === 'string') return compareStrings(a, b as string);
  if (typeof a === 'bigint') return a < (b as bigint) ? -1 : a > (b as bigint) ? 1 : 0;
  if (typeof a === 'number') return a < (b as number) ? -1 : a > (b as number) ? 1 : 0;
  if (typeof a === 'boolean') return Number(a) - Number(b as boolean);
  if (isCelUint(a) && isCelUint(b)) return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  if (a instanceof Uint8Array) return compareBytes(a, b as Uint8Array);
  return celLess(a, b) ? -1 : celLess(b, a) ? 1 : 0;
}

/**
 * `list` ordered by `keys` (sort() is a list ordered by itself). The keys must all be of the first one's
 * type, and that type comparable, as cel-go requires. Equal keys keep their order; cel-go's sort is not
 * stable beyond 12 elements, so the API server may order those differently (docs/rules.md).
 */
function sortByKeys(list: CelList, keys: CelList): CelList {
  if (list.size !== keys.size) {
    throw new Error(`@sortByAssociatedKeys() expected a list of the same size as the associated keys list, but got ${list.size} and ${keys.size} elements respectively`);
  }
  if (list.size === 0) return list;
  const keyValues = [...keys];
  const kind = celType(keyValues[0]!).name;
  if (!COMPARABLE.has(kind)) throw new Error('list elements must be comparable');
  if (keyValues.some((key) => celType(key).name !== kind)) throw new Error('list elements must have the same type');
  charge(list.size * Math.ceil(Math.log2(list.size + 1)));
  const items = [...list];
  const order = items.map((_, i) => i).sort((i, j) => compareKeys(keyValues[i]!, keyValues[j]!));
  return celList(order.map((i) => items[i]!));
}

function distinct(list: CelList): CelList {
  const unique: CelValue[] = [];
  for (const item of list) {
    charge(unique.length + 1);
    if (!unique.some((seen) => celEquals(seen, item))) unique.push(item);
  }
  return celList(unique);
}

function range(n: bigint): CelList {
  if (n <= 0n) return celList([]);
  // Before the allocation: an n beyond the budget fails here.
  charge(Number(n));
  return celList(Array.from({ length: Number(n) }, (_, i) => BigInt(i)));
}

export const listExtensionFunctions = [
  celMethod('slice', LIST, [INT, INT], LIST, function (start, end) {
    return slice(this, start, end);
  }),
  celMethod('flatten', LIST, [], LIST, function () {
    return celList(flatten(this, 1n));
  }),
  celMethod('flatten', LIST, [INT], LIST, function (depth) {
    return celList(flatten(this, depth));
  }),
  celMethod('sort', LIST, [], LIST, function () {
    return sortByKeys(this, this);
  }),
  celFunc(SORT_BY_KEYS, [LIST, LIST], LIST, sortByKeys),
  celFunc('lists.range', [INT], LIST, range),
  celMethod('reverse', LIST, [], LIST, function () {
    charge(this.size);
    return celList([...this].reverse());
  }),
  celMethod('distinct', LIST, [], LIST, function () {
    return distinct(this);
  }),
];
