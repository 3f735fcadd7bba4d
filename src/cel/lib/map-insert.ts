import { celFunc, celMap, CelScalar, celType, isCelUint, mapType, type CelMap, type CelUint, type CelValue } from '@bufbuild/cel';
import { charge } from '../budget.js';
import { MAP_INSERT } from '../macros.js';

const { DYN } = CelScalar;
const MAP = mapType(DYN, DYN);

type MapKey = bigint | string | boolean | CelUint;

/**
 * cel-go's `cel.@mapInsert`, the step of transformMap and transformMapEntry (macros.ts): the accumulator
 * with one more entry, or with every entry of another map; a key it already has is an error.
 *
 * The first argument is only ever a comprehension's accumulator, which nothing else can see (its name
 * cannot be written in a rule). So a map made here is grown in place rather than copied per entry, which
 * would make a transform over n entries cost n² (cel-go grows its accumulator in place too). The
 * `{}` a transform starts from is not one of these, and is copied on the first insert.
 */
interface Growing {
  entries: Map<MapKey, CelValue>;
  /** Int and uint keys by value: 1 and 1u are the same key in CEL, and a map may hold either. */
  numericKeys: Set<bigint>;
}

const GROWABLE = new WeakMap<CelMap, Growing>();

function keyText(key: MapKey): string {
  return isCelUint(key) ? String(key.value) : String(key);
}

function numericValue(key: MapKey): bigint | undefined {
  if (typeof key === 'bigint') return key;
  return isCelUint(key) ? key.value : undefined;
}

function growable(map: CelMap): { result: CelMap; growing: Growing } {
  const own = GROWABLE.get(map);
  if (own) return { result: map, growing: own };
  charge(map.size);
  const growing: Growing = { entries: new Map(), numericKeys: new Set() };
  for (const [key, value] of map.entries()) add(growing, key, value);
  const result = celMap(growing.entries);
  GROWABLE.set(result, growing);
  return { result, growing };
}

/** A key that holds null is still a key, which the map's has() would not say. */
function add(growing: Growing, key: MapKey, value: CelValue): void {
  const numeric = numericValue(key);
  const taken = numeric === undefined ? growing.entries.has(key) : growing.numericKeys.has(numeric);
  if (taken) throw new Error(`insert failed: key ${keyText(key)} already exists`);
  if (numeric !== undefined) growing.numericKeys.add(numeric);
  growing.entries.set(key, value);
}

function validKey(key: CelValue): MapKey {
  if (typeof key === 'string' || typeof key === 'bigint' || typeof key === 'boolean' || isCelUint(key)) return key;
  throw new Error(`unsupported key type: ${celType(key).name}`);
}

export const mapInsertFunctions = [
  celFunc(MAP_INSERT, [MAP, DYN, DYN], MAP, (map, key, value) => {
    const { result, growing } = growable(map);
    add(growing, validKey(key), value);
    return result;
  }),
  celFunc(MAP_INSERT, [MAP, MAP], MAP, (map, update) => {
    const { result, growing } = growable(map);
    charge(update.size);
    for (const [key, value] of update.entries()) add(growing, key, value);
    return result;
  }),
];
