import { celFunc, celMethod, CelScalar, type CelMap, type CelValue } from '@bufbuild/cel';
import { describeValue } from '../values.js';
import { makeOpaque, unwrapOpaque } from './opaque.js';

const { BOOL, DYN } = CelScalar;

/**
 * Kubernetes' format library answers with CEL optionals. @bufbuild/cel has no optional type (and no
 * `?.` syntax), so a small one is provided: optional.of/none/ofNonZeroValue, hasValue, value, orValue.
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

export const optionalFunctions = [
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
];
