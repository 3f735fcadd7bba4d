import { celFunc, celMethod, CelScalar, type CelMap, type CelValue } from '@bufbuild/cel';
import { accepts, makeOpaque, unwrapOpaque } from './opaque.js';

const { BOOL, DOUBLE, DYN, INT, STRING } = CelScalar;

/** An exact decimal: num × 10^scale, normalised so num has no trailing zeros. */
export interface Quantity {
  num: bigint;
  scale: number;
}

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
/** Kubernetes keeps nano precision; exponents beyond this would only let a rule allocate huge numbers. */
const MIN_SCALE = -9;
const MAX_SCALE = 1000;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function normalise(num: bigint, scale: number): Quantity {
  if (num === 0n) return { num: 0n, scale: 0 };
  if (scale < MIN_SCALE) {
    // Kubernetes rounds values finer than 1n away from zero.
    const divisor = 10n ** BigInt(MIN_SCALE - scale);
    const rounded = num / divisor + (num % divisor === 0n ? 0n : num > 0n ? 1n : -1n);
    return normalise(rounded, MIN_SCALE);
  }
  while (num % 10n === 0n) {
    num /= 10n;
    scale++;
  }
  if (scale > MAX_SCALE) throw new Error('quantity is out of range');
  return { num, scale };
}

export function parseQuantity(text: string): Quantity {
  const match = QUANTITY.exec(text);
  const whole = match?.[2] ?? '';
  const fraction = match?.[3] ?? '';
  if (!match || whole + fraction === '') throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', got ${JSON.stringify(text)}`);
  const sign = match[1] === '-' ? -1n : 1n;
  let num = sign * BigInt(whole + fraction || '0');
  let scale = -fraction.length;
  const suffix = match[4] ?? '';
  if (suffix in BINARY) num *= BINARY[suffix]!;
  else if (suffix in DECIMAL) scale += DECIMAL[suffix]!;
  else {
    const exponent = Number(suffix.slice(1));
    if (Math.abs(exponent) > MAX_SCALE) throw new Error(`quantity ${JSON.stringify(text)} is out of range`);
    scale += exponent;
  }
  return normalise(num, scale);
}

function align(a: Quantity, b: Quantity): [bigint, bigint, number] {
  const scale = Math.min(a.scale, b.scale);
  return [a.num * 10n ** BigInt(a.scale - scale), b.num * 10n ** BigInt(b.scale - scale), scale];
}

export function compareQuantities(a: Quantity, b: Quantity): number {
  const [x, y] = align(a, b);
  return x === y ? 0 : x < y ? -1 : 1;
}

function asInteger(q: Quantity): bigint | undefined {
  if (q.scale < 0) return undefined;
  const value = q.num * 10n ** BigInt(q.scale);
  return value >= INT64_MIN && value <= INT64_MAX ? value : undefined;
}

export function quantityValue(q: Quantity): CelMap {
  return makeOpaque('Quantity', q, `${q.num}e${q.scale}`);
}

export function quantityOf(value: unknown, name: string): Quantity {
  return unwrapOpaque<Quantity>(value, 'Quantity', name);
}

/** add/sub take a Quantity or an int, as in Kubernetes. */
function operand(value: CelValue, name: string): Quantity {
  if (typeof value === 'bigint') return normalise(value, 0);
  return quantityOf(value, name);
}

function combine(self: CelValue, other: CelValue, name: string, sign: bigint): CelMap {
  const [x, y, scale] = align(quantityOf(self, name), operand(other, name));
  return quantityValue(normalise(x + sign * y, scale));
}

export const quantityFunctions = [
  celFunc('quantity', [STRING], DYN, (text) => quantityValue(parseQuantity(text))),
  celFunc('isQuantity', [STRING], BOOL, accepts(parseQuantity)),
  // A function, not a method, in Kubernetes: `sign(quantity('1'))`; `quantity('1').sign()` does not compile there.
  celFunc('sign', [DYN], INT, (value) => {
    const { num } = quantityOf(value, 'sign');
    return num === 0n ? 0n : num > 0n ? 1n : -1n;
  }),
  celMethod('isInteger', DYN, [], BOOL, function () {
    return asInteger(quantityOf(this, 'isInteger')) !== undefined;
  }),
  celMethod('asInteger', DYN, [], INT, function () {
    const value = asInteger(quantityOf(this, 'asInteger'));
    if (value === undefined) throw new Error('cannot convert value to integer');
    return value;
  }),
  celMethod('asApproximateFloat', DYN, [], DOUBLE, function () {
    const q = quantityOf(this, 'asApproximateFloat');
    return Number(`${q.num}e${q.scale}`);
  }),
  celMethod('add', DYN, [DYN], DYN, function (other) {
    return combine(this, other, 'add', 1n);
  }),
  celMethod('sub', DYN, [DYN], DYN, function (other) {
    return combine(this, other, 'sub', -1n);
  }),
  // compareTo, isGreaterThan and isLessThan are shared with Semver: ordering.ts.
];
