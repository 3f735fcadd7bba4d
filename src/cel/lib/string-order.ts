import { celFunc, CelScalar } from '@bufbuild/cel';

const { BOOL, STRING } = CelScalar;

/**
 * Strings in code point order, as cel-go orders them (Go compares their UTF-8 bytes, which is the same
 * order). JavaScript's `<` compares UTF-16 units instead, which puts a character beyond U+FFFF (a
 * surrogate pair, 0xD800-0xDFFF) before one in U+E000-U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x < 0xe000;
    const ySurrogate = y >= 0xd800 && y < 0xe000;
    if (xSurrogate !== ySurrogate && Math.max(x, y) >= 0xe000) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** The standard library's string comparisons, replaced (same overloads) by ones in code point order. */
export const stringOrderFunctions = [
  celFunc('_<_', [STRING, STRING], BOOL, (l, r) => compareStrings(l, r) < 0),
  celFunc('_<=_', [STRING, STRING], BOOL, (l, r) => compareStrings(l, r) <= 0),
  celFunc('_>_', [STRING, STRING], BOOL, (l, r) => compareStrings(l, r) > 0),
  celFunc('_>=_', [STRING, STRING], BOOL, (l, r) => compareStrings(l, r) >= 0),
];
