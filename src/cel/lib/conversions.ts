import { celFunc, celUint, CelScalar, isCelError, type CelFunc } from '@bufbuild/cel';
import { DURATION, standard, TIMESTAMP, type MessageValue, type SecondsAndNanos } from './standard.js';
import { formatOffset, offsetOf, parsingOffset } from './timestamp-offsets.js';

const { BOOL, DOUBLE, INT, STRING, UINT } = CelScalar;

const MIN_INT = -(2n ** 63n);
const MAX_INT = 2n ** 63n - 1n;
const MAX_UINT = 2n ** 64n - 1n;
/** cel-go's bounds on a timestamp: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
const MIN_UNIX_SECONDS = -62135596800n;
const MAX_UNIX_SECONDS = 253402300799n;
const NANOS_PER_SECOND = 1_000_000_000n;

/** cel-go's words for every failed conversion (common/types: ConvertToType). */
function conversionError(from: string, to: string): Error {
  return new Error(`type conversion error from '${from}' to '${to}'`);
}

/** Go's strconv.ParseInt(s, 10, 64): a sign, then decimal digits only (no spaces, underscores or prefixes). */
function stringToInt(text: string): bigint {
  if (/^[+-]?[0-9]+$/.test(text)) {
    const value = BigInt(text);
    if (value >= MIN_INT && value <= MAX_INT) return value;
  }
  throw conversionError('string', 'int');
}

/** Go's strconv.ParseUint(s, 10, 64): decimal digits only, not even a sign. */
function stringToUint(text: string): bigint {
  if (/^[0-9]+$/.test(text)) {
    const value = BigInt(text);
    if (value <= MAX_UINT) return value;
  }
  throw conversionError('string', 'uint');
}

/** Digits with single underscores between them, as Go's float literals allow. */
const DECIMAL_DIGITS = '[0-9](?:_?[0-9])*';
const HEX_DIGITS = '[0-9a-fA-F](?:_?[0-9a-fA-F])*';
const DECIMAL_FLOAT = new RegExp(`^[+-]?(?:${DECIMAL_DIGITS}(?:\\.(?:${DECIMAL_DIGITS})?)?|\\.${DECIMAL_DIGITS})(?:[eE][+-]?${DECIMAL_DIGITS})?$`);
const HEX_FLOAT = new RegExp(`^([+-]?)0[xX]_?(?:(${HEX_DIGITS})(?:\\.(${HEX_DIGITS})?)?|\\.(${HEX_DIGITS}))[pP]([+-]?${DECIMAL_DIGITS})$`);

/**
 * Go's strconv.ParseFloat(s, 64): decimal or hexadecimal (with a `p` exponent) literals, `inf`,
 * `infinity` and `nan` in any case. A finite literal beyond the double range is an error there (ErrRange),
 * where JavaScript's Number() would answer Infinity; Number() would also take '', ' 1' and '0x10'.
 */
function stringToDouble(text: string): number {
  const special = /^([+-]?)(inf|infinity)$/i.exec(text);
  if (special) return special[1] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  let value: number | undefined;
  if (DECIMAL_FLOAT.test(text)) {
    value = Number(text.replaceAll('_', ''));
  } else {
    const hex = HEX_FLOAT.exec(text);
    if (hex) {
      const plain = (digits: string | undefined) => (digits ?? '').replaceAll('_', '');
      const whole = plain(hex[2]);
      const fraction = plain(hex[3] ?? hex[4]);
      // Exact in BigInt; Number() rounds it once, and scaling by a power of two is exact.
      const magnitude = Number(BigInt(`0x${whole}${fraction}`)) * 2 ** (Number(plain(hex[5])) - 4 * fraction.length);
      value = hex[1] === '-' ? -magnitude : magnitude;
    }
  }
  if (value === undefined || !Number.isFinite(value)) throw conversionError('string', 'double');
  return value;
}

/** Go's strconv.ParseBool. */
const BOOLEANS: Readonly<Record<string, boolean>> = { 1: true, t: true, T: true, TRUE: true, true: true, True: true, 0: false, f: false, F: false, FALSE: false, false: false, False: false };

function stringToBool(text: string): boolean {
  const value = BOOLEANS[text];
  if (value === undefined) throw conversionError('string', 'bool');
  return value;
}

/** Shortest round-trip digits and decimal exponent of a finite, non-zero double: 1234.5 → ['12345', 3]. */
function shortestDigits(value: number): [string, number] {
  const [mantissa, exponent] = Math.abs(value).toExponential().split('e') as [string, string];
  return [mantissa.replace('.', ''), Number(exponent)];
}

/**
 * Go's fmt %g, as cel-go writes a double: shortest digits, in exponent form when the exponent is below
 * -4 or at least 6 (`1e+06`, `1e-05`, `1.23456789e+08`), `+Inf`, `-Inf`, `NaN`, and `-0`.
 */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const sign = value < 0 ? '-' : '';
  const [digits, exponent] = shortestDigits(value);
  if (exponent < -4 || exponent >= 6) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const power = Math.abs(exponent).toString().padStart(2, '0');
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${power}`;
  }
  return sign + plainDecimal(digits, exponent);
}

/** Digits placed around the decimal point without an exponent: ('15', 0) → '1.5', ('1', -6) → '0.000001'. */
function plainDecimal(digits: string, exponent: number): string {
  if (exponent < 0) return `0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return digits + '0'.repeat(exponent + 1 - digits.length);
  return `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** cel-go: strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s", so `1.5s`, `0.000001s`, `-5400s`. */
export function formatDuration(duration: MessageValue): string {
  const { seconds, nanos } = duration.message;
  // Go's Duration.Seconds(): whole seconds plus the nanoseconds over 1e9, in float64.
  const total = Number(seconds) + nanos / 1e9;
  if (total === 0) return '0s';
  const [digits, exponent] = shortestDigits(total);
  return `${total < 0 ? '-' : ''}${plainDecimal(digits, exponent)}s`;
}

/**
 * cel-go: time.RFC3339Nano in the offset the timestamp was written with (UTC unless it had one), the
 * fraction without trailing zeros and left out when zero.
 */
export function formatTimestamp(timestamp: MessageValue): string {
  const { seconds, nanos } = timestamp.message;
  const offset = offsetOf(timestamp);
  const local = new Date((Number(seconds) + offset) * 1000);
  // Fields rather than toISOString: a duration added to a timestamp near the end of year 9999 can
  // take its local time into year 10000, which Go writes with five digits and toISOString with a sign.
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${String(local.getUTCFullYear()).padStart(4, '0')}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())}`;
  const time = `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}`;
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${date}T${time}${fraction}${formatOffset(offset)}`;
}

/** Duration to int: nanoseconds, as cel-go's time.Duration is. */
function durationToInt(duration: MessageValue): bigint {
  const { seconds, nanos } = duration.message;
  return seconds * NANOS_PER_SECOND + BigInt(nanos);
}

/** Int to timestamp: seconds since the Unix epoch, within cel-go's range. */
function intToTimestamp(seconds: bigint): SecondsAndNanos {
  if (seconds < MIN_UNIX_SECONDS || seconds > MAX_UNIX_SECONDS) throw new Error('timestamp overflow');
  return { $typeName: 'google.protobuf.Timestamp', seconds, nanos: 0 } as SecondsAndNanos;
}

/** The library's parsing, with cel-go's message when it fails (the library's own message names its JSON decoder). */
function withCelGoError(name: 'timestamp' | 'duration', type: string): CelFunc {
  const func = standard(`${name}(string)`);
  const parse = (text: string): unknown => {
    const result = func.call(0, undefined, [text]);
    if (result === undefined || isCelError(result)) throw conversionError('string', type);
    return result;
  };
  const convert = name === 'timestamp' ? parsingOffset(parse) : parse;
  return celFunc(name, [STRING], name === 'timestamp' ? TIMESTAMP : DURATION, (text) => convert(text) as never);
}

/**
 * The standard library's conversions where @bufbuild/cel answers otherwise than cel-go, which
 * kube-apiserver runs (checked against kube-apiserver 1.34 in e2e vap-parity.ts). The same
 * overloads, so they replace the library's.
 */
export const conversionFunctions: CelFunc[] = [
  celFunc('int', [STRING], INT, stringToInt),
  celFunc('uint', [STRING], UINT, (text) => celUint(stringToUint(text))),
  celFunc('double', [STRING], DOUBLE, stringToDouble),
  celFunc('bool', [STRING], BOOL, stringToBool),
  celFunc('string', [DOUBLE], STRING, formatDouble),
  celFunc('string', [DURATION], STRING, (duration) => formatDuration(duration as unknown as MessageValue)),
  celFunc('string', [TIMESTAMP], STRING, (timestamp) => formatTimestamp(timestamp as unknown as MessageValue)),
  celFunc('int', [DURATION], INT, (duration) => durationToInt(duration as unknown as MessageValue)),
  celFunc('timestamp', [INT], TIMESTAMP, (seconds) => intToTimestamp(seconds) as never),
  // Declared in cel-go, but its Int has no conversion to a duration, so every call fails.
  celFunc('duration', [INT], DURATION, () => {
    throw conversionError('int', 'google.protobuf.Duration');
  }),
  withCelGoError('timestamp', 'google.protobuf.Timestamp'),
  withCelGoError('duration', 'google.protobuf.Duration'),
];
