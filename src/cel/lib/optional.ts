import { celFunc, celList, celMethod, CelScalar, isCelList, isCelMap, isCelUint, listType, type CelList, type CelMap, type CelValue } from '@bufbuild/cel';
import { charge } from '../budget.js';
import { describeValue, NOT_OURS, ownField } from '../values.js';
import { OPT_HAS, OPT_INDEX, OPT_SELECT } from '../optional-syntax.js';
import { makeOpaque, opaqueKind, typeName, unwrapOpaque } from './opaque.js';

const { BOOL, DYN, STRING } = CelScalar;
const LIST = listType(DYN);

/**
 * CEL optionals, which @bufbuild/cel does not have: optional.of/none/ofNonZeroValue, hasValue, value,
 * orValue and or, cel-go's first, last and unwrap, and what `a.?b`, `a[?k]` and a chain after them
 * become (optional-syntax.ts). optMap and optFlatMap are macros (macros.ts); optional entries in
 * literals are read where lists and maps are built (fast/nodes.ts). Kubernetes' format library answers
 * with optionals too.
 */
interface Optional {
  value: CelValue | undefined;
}

export function optionalOf(value: CelValue | undefined): CelMap {
  return makeOpaque('optional', { value } satisfies Optional, value === undefined ? 'none' : `of(${describeValue(value)})`);
}

const held = (self: unknown, name: string): CelValue | undefined => unwrapOpaque<Optional>(self, 'optional', name).value;

function isZero(value: CelValue): boolean {
  if (value === null || value === false || value === '' || value === 0n || value === 0) return true;
  if (value instanceof Uint8Array) return value.length === 0;
  if (typeof value === 'object' && 'size' in value && typeof value.size === 'number') return value.size === 0;
  return false;
}

export const NOT_OPTIONAL = Symbol('not an optional');

/** The value inside an optional, undefined when it is none, NOT_OPTIONAL when the value is no optional. */
export function optionalContent(value: CelValue): CelValue | undefined | typeof NOT_OPTIONAL {
  return opaqueKind(value) === 'optional' ? held(value, 'optional') : NOT_OPTIONAL;
}

/** cel-go's optional.unwrap and unwrapOpt: the values of a list of optionals, the nones left out. */
function unwrapList(list: CelList): CelList {
  charge(list.size);
  const values: CelValue[] = [];
  for (const item of list) {
    const content = optionalContent(item);
    if (content === NOT_OPTIONAL) throw new Error(`value ${describeValue(item)} is not optional`);
    if (content !== undefined) values.push(content);
  }
  return celList(values);
}

/** The value inside an optional (undefined for none), or the value itself when it is not one. */
function unwrapped(value: CelValue): { value: CelValue | undefined; wasOptional: boolean } {
  const content = optionalContent(value);
  return content === NOT_OPTIONAL ? { value, wasOptional: false } : { value: content, wasOptional: true };
}

/** A map a rule can select from: not a typed value (Quantity, URL...), which travels as a map too. */
function isFieldMap(value: CelValue | undefined): value is CelMap {
  return typeof value === 'object' && value !== null && isCelMap(value) && opaqueKind(value) === undefined;
}

/** A field of a map, undefined when it has none; null for a field that holds null (present, as in cel-go). */
function fieldOf(target: CelValue, field: string): CelValue | undefined {
  if (!isFieldMap(target)) {
    throw new Error(`no such key: ${field} (a ${typeName(target)} has no fields)`);
  }
  const own = ownField(target, field);
  if (own !== NOT_OURS) return own as CelValue | undefined;
  // get(), not has(): the library's has() counts a key holding null as absent, cel-go's `.?` as present.
  return target.get(field);
}

/** `a.?f`, and `.f` after an optional: of(a.f) when `a` has `f`, none when it has not or `a` is none. */
function optionalSelect(target: CelValue, field: string): CelMap {
  const { value, wasOptional } = unwrapped(target);
  if (value === undefined && wasOptional) return optionalOf(undefined);
  return optionalOf(fieldOf(value as CelValue, field));
}

/** `has(a.?b.f)`: false when the chain is none, else whether the value has `f` (a field holding null has not, as for has()). */
function optionalHas(target: CelValue, field: string): boolean {
  const { value, wasOptional } = unwrapped(target);
  if (value === undefined && wasOptional) return false;
  const found = fieldOf(value as CelValue, field);
  return found !== undefined && found !== null;
}

function listIndex(key: CelValue): number | undefined {
  if (typeof key === 'bigint') return Number(key);
  if (typeof key === 'number' && Number.isInteger(key)) return key;
  if (isCelUint(key)) return Number(key.value);
  return undefined;
}

/** `a[?k]`, and `[k]` after an optional: of(a[k]) when the map has the key or the list the index, else none. */
function optionalIndex(target: CelValue, key: CelValue): CelMap {
  const { value, wasOptional } = unwrapped(target);
  if (value === undefined && wasOptional) return optionalOf(undefined);
  if (typeof value === 'object' && value !== null && isCelList(value)) {
    const index = listIndex(key);
    if (index === undefined) throw new Error(`a list index must be an integer, got ${typeName(key)}`);
    return optionalOf(index >= 0 && index < value.size ? value.get(index) : undefined);
  }
  if (typeof key === 'string') return optionalOf(fieldOf(value as CelValue, key));
  if (!isFieldMap(value)) {
    throw new Error(`no such key: ${describeValue(key)} (a ${typeName(value as CelValue)} cannot be indexed)`);
  }
  if (typeof key !== 'bigint' && typeof key !== 'number' && typeof key !== 'boolean' && !isCelUint(key)) {
    throw new Error(`unsupported key type: ${typeName(key)}`);
  }
  const found = value.get(isCelUint(key) ? key.value : key);
  return optionalOf(found);
}

export const optionalFunctions = [
  celFunc(OPT_SELECT, [DYN, STRING], DYN, (target, field) => optionalSelect(target, field)),
  celFunc(OPT_HAS, [DYN, STRING], BOOL, (target, field) => optionalHas(target, field)),
  celFunc(OPT_INDEX, [DYN, DYN], DYN, (target, key) => optionalIndex(target, key)),
  celMethod('or', DYN, [DYN], DYN, function (other) {
    if (held(this, 'or') !== undefined) return this as CelValue;
    unwrapOpaque<Optional>(other, 'optional', 'or');
    return other;
  }),
  celFunc('optional.of', [DYN], DYN, (value) => optionalOf(value)),
  celFunc('optional.none', [], DYN, () => optionalOf(undefined)),
  celFunc('optional.ofNonZeroValue', [DYN], DYN, (value) => optionalOf(isZero(value) ? undefined : value)),
  celMethod('hasValue', DYN, [], BOOL, function () {
    return held(this, 'hasValue') !== undefined;
  }),
  celMethod('value', DYN, [], DYN, function () {
    const value = held(this, 'value');
    if (value === undefined) throw new Error('optional.none() dereference');
    return value;
  }),
  celMethod('orValue', DYN, [DYN], DYN, function (fallback) {
    return held(this, 'orValue') ?? fallback;
  }),
  celMethod('first', LIST, [], DYN, function () {
    return optionalOf(this.size > 0 ? this.get(0) : undefined);
  }),
  celMethod('last', LIST, [], DYN, function () {
    return optionalOf(this.size > 0 ? this.get(this.size - 1) : undefined);
  }),
  celFunc('optional.unwrap', [LIST], LIST, unwrapList),
  celMethod('unwrapOpt', LIST, [], LIST, function () {
    return unwrapList(this);
  }),
];
