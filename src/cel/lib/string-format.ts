import { celMethod, CelScalar, isCelList, isCelMap, isCelType, isCelUint, listType, type CelList, type CelMap, type CelValue } from '@bufbuild/cel';
import { formatDouble, formatDuration, formatTimestamp } from './conversions.js';
import type { MessageValue } from './standard.js';
import { opaqueKind } from './opaque.js';

const { DYN, STRING } = CelScalar;

/**
 * `<string>.format(list)` as kube-apiserver 1.34 answers it: cel-go's strings extension before version 4,
 * whose `%f` and `%e` go through golang.org/x/text's printer for the locale en_US. Checked against
 * kube-apiserver in test/e2e/scenarios/vap-parity.ts. @bufbuild/cel's own format differs in every clause
 * that shows a double, a duration, a timestamp, a list or a map.
 */

const TIMESTAMP = 'google.protobuf.Timestamp';
const DURATION = 'google.protobuf.Duration';
const DEFAULT_PRECISION = 6;

/** cel-go's names of Kubernetes' types, for the errors formatting them raises. */
const OPAQUE_TYPE_NAMES: Readonly<Record<string, string>> = {
  Quantity: 'kubernetes.Quantity',
  Semver: 'kubernetes.Semver',
  URL: 'kubernetes.URL',
  IP: 'net.IP',
  CIDR: 'net.CIDR',
  Format: 'kubernetes.NamedFormat',
  optional: 'optional_type',
};

function messageType(value: CelValue): string | undefined {
  return (value as { desc?: { typeName?: string } } | null)?.desc?.typeName;
}

function typeNameOf(value: CelValue): string {
  const opaque = opaqueKind(value);
  if (opaque) return OPAQUE_TYPE_NAMES[opaque] ?? opaque;
  if (value === null) return 'null_type';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'double';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (isCelUint(value)) return 'uint';
  if (value instanceof Uint8Array) return 'bytes';
  if (isCelList(value)) return 'list';
  if (isCelMap(value)) return 'map';
  if (isCelType(value)) return 'type';
  return messageType(value) ?? 'unknown';
}

const GO_ESCAPES: Readonly<Record<string, string>> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

/** Go's %q of a string: printable characters as they are, the rest escaped. */
function goQuote(text: string): string {
  let quoted = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (GO_ESCAPES[char]) quoted += GO_ESCAPES[char];
    else if (code < 0x20 || code === 0x7f) quoted += `\\x${code.toString(16).padStart(2, '0')}`;
    else if ((code >= 0x80 && code < 0xa0) || code === 0xad || (code >= 0xd800 && code < 0xe000) || code === 0xfeff) quoted += `\\u${code.toString(16).padStart(4, '0')}`;
    else quoted += char;
  }
  return `${quoted}"`;
}

/** Go's %q of bytes: valid UTF-8 as text, each invalid byte as \x... */
function goQuoteBytes(bytes: Uint8Array): string {
  try {
    return goQuote(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    let text = '';
    for (const byte of bytes) text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
    return `"${text.replaceAll('"', '\\"')}"`;
  }
}

/** %s at the top level: the value as `string()` converts it. */
function formatString(value: CelValue): string {
  if (isCelList(value)) return formatList(value);
  if (opaqueKind(value)) throw new Error(`error during formatting: string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given ${typeNameOf(value)}`);
  if (isCelMap(value)) return formatMap(value);
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'number':
      return formatDouble(value);
    default:
      break;
  }
  if (value === null) return 'null';
  if (isCelUint(value)) return String(value.value);
  if (isCelType(value)) return value.name;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  const type = messageType(value);
  if (type === TIMESTAMP) return formatTimestamp(value as unknown as MessageValue);
  if (type === DURATION) return formatDuration(value as unknown as MessageValue);
  throw new Error(`error during formatting: string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given ${typeNameOf(value)}`);
}

/** A list's or a map's element, written as a CEL literal would be (cel-go's clauseForType and quoteForCEL). */
function formatElement(value: CelValue): string {
  if (typeof value === 'string') return goQuote(value);
  if (value instanceof Uint8Array) return `b${goQuoteBytes(value)}`;
  if (typeof value === 'number') {
    // fmt.Sprintf("%.6f"): no grouping, and the sign of -0 kept; the non-finite ones quoted.
    if (Number.isNaN(value)) return '"NaN"';
    if (!Number.isFinite(value)) return value > 0 ? '"+Inf"' : '"-Inf"';
    return fixed(value, DEFAULT_PRECISION, false);
  }
  const type = messageType(value);
  if (type === TIMESTAMP) return `timestamp(${goQuote(formatTimestamp(value as unknown as MessageValue))})`;
  if (type === DURATION) return `duration(${goQuote(formatDuration(value as unknown as MessageValue))})`;
  if (opaqueKind(value)) throw new Error(`no formatting function for ${typeNameOf(value)}`);
  return formatString(value);
}

function formatList(list: CelList): string {
  return `[${[...list].map(formatElement).join(', ')}]`;
}

function formatMap(map: CelMap): string {
  const pairs = [...map.entries()].map(([key, value]): [string, string] => {
    let keyText: string;
    if (typeof key === 'string') keyText = goQuote(key);
    else if (typeof key === 'boolean' || typeof key === 'bigint') keyText = String(key);
    else if (isCelUint(key)) keyText = String(key.value);
    else throw new Error(`no formatting function for map key of type ${typeNameOf(key)}`);
    return [keyText, formatElement(value)];
  });
  // Go's sort.SliceStable on the written keys: byte order, which UTF-16 order matches below U+FFFF.
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${pairs.map(([key, value]) => `${key}:${value}`).join(', ')}}`;
}

/** A finite double as mantissa × 2^exponent, exactly. */
function binaryParts(value: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(value));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  return biased === 0 ? [fraction, -1074] : [fraction | (1n << 52n), biased - 1075];
}

/**
 * A finite double with `precision` decimals, rounded on its exact binary value and half to even on an
 * exact tie, as Go's strconv rounds: `%.1f` of 0.05 is 0.1, because 0.05 is slightly above it. (Intl
 * rounds the shortest decimal, 0.05, and would write 0.0.) Grouping puts commas between thousands.
 */
function fixed(value: number, precision: number, grouping: boolean): string {
  const [mantissa, exponent] = binaryParts(value);
  const scale = 10n ** BigInt(precision);
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = (mantissa * scale) << BigInt(exponent);
  } else {
    const numerator = mantissa * scale;
    const denominator = 1n << BigInt(-exponent);
    scaled = numerator / denominator;
    const twice = (numerator % denominator) * 2n;
    if (twice > denominator || (twice === denominator && scaled % 2n === 1n)) scaled += 1n;
  }
  const digits = scaled.toString().padStart(precision + 1, '0');
  let whole = digits.slice(0, digits.length - precision);
  if (grouping) whole = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  return `${sign}${whole}${precision > 0 ? `.${digits.slice(digits.length - precision)}` : ''}`;
}

/** `%f` and `%e` take a double, or the strings NaN, Infinity and -Infinity. */
function doubleArgument(value: CelValue, clause: string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw new Error(`error during formatting: ${clause} clause can only be used on doubles, was given ${typeNameOf(value)}`);
}

/** x/text's en_US number, which writes ∞ and NaN, and drops the sign of a zero. */
function nonFinite(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  return undefined;
}

function formatFixed(value: CelValue, precision: number | undefined): string {
  const number = doubleArgument(value, 'fixed-point');
  return nonFinite(number) ?? fixed(number === 0 ? 0 : number, precision ?? DEFAULT_PRECISION, true);
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/**
 * cel-go builds `%<precision>e`, a width where a precision was meant, so x/text always writes six
 * decimals and pads to the "precision" with spaces: `'%e'.format([1234.5])` is `1.234500×10⁰³`,
 * `'%e'.format([double('nan')])` is `   NaN`.
 */
function formatScientific(value: CelValue, width: number | undefined): string {
  const number = doubleArgument(value, 'scientific');
  let text = nonFinite(number);
  if (text === undefined) {
    const [mantissa, exponent] = (number === 0 ? 0 : number).toExponential(DEFAULT_PRECISION).split('e') as [string, string];
    const power = Math.abs(Number(exponent)).toString().padStart(2, '0');
    text = `${mantissa}×10${Number(exponent) < 0 ? '⁻' : ''}${[...power].map((digit) => SUPERSCRIPT[Number(digit)]).join('')}`;
  }
  const length = [...text].length;
  const pad = width ?? DEFAULT_PRECISION;
  return length < pad ? ' '.repeat(pad - length) + text : text;
}

function integerOf(value: CelValue, clause: string): bigint {
  if (typeof value === 'bigint') return value;
  if (isCelUint(value)) return value.value;
  throw new Error(`error during formatting: ${clause} clause can only be used on integers, was given ${typeNameOf(value)}`);
}

function formatHex(value: CelValue, upper: boolean): string {
  let text: string;
  if (typeof value === 'string') text = Buffer.from(value, 'utf8').toString('hex');
  else if (value instanceof Uint8Array) text = Buffer.from(value).toString('hex');
  else if (typeof value === 'bigint' || isCelUint(value)) text = integerOf(value, 'hex').toString(16);
  else throw new Error(`error during formatting: only integers, byte buffers, and strings can be formatted as hex, was given ${typeNameOf(value)}`);
  return upper ? text.toUpperCase() : text;
}

function formatClause(verb: string, value: CelValue, precision: number | undefined): string {
  switch (verb) {
    case 's':
      return formatString(value);
    case 'd':
      return String(integerOf(value, 'decimal'));
    case 'f':
      return formatFixed(value, precision);
    case 'e':
      return formatScientific(value, precision);
    case 'b':
      if (typeof value === 'boolean') return value ? '1' : '0';
      if (typeof value === 'bigint' || isCelUint(value)) return integerOf(value, 'binary').toString(2);
      throw new Error(`error during formatting: only integers and bools can be formatted as binary, was given ${typeNameOf(value)}`);
    case 'o':
      return integerOf(value, 'octal').toString(8);
    case 'x':
    case 'X':
      return formatHex(value, verb === 'X');
    default:
      throw new Error(`could not parse formatting clause: unrecognized formatting clause "${verb}"`);
  }
}

/**
 * cel-go's parseFormatString. Arguments beyond the clauses are ignored when the expression runs:
 * Kubernetes refuses a literal list with too many when the policy is created, and ztgate does not.
 */
function format(this: string, args: CelList): string {
  let result = '';
  let argument = 0;
  for (let i = 0; i < this.length; i++) {
    const char = this[i]!;
    if (char !== '%') {
      result += char;
      continue;
    }
    if (this[i + 1] === '%') {
      result += '%';
      i++;
      continue;
    }
    if (argument >= args.size) throw new Error(`index ${argument} out of range`);
    if (i + 1 >= this.length) throw new Error('unexpected end of string');
    i++;
    let precision: number | undefined;
    if (this[i] === '.') {
      let digits = '';
      for (i++; /[0-9]/.test(this[i] ?? ''); i++) digits += this[i];
      if (i >= this.length) throw new Error('could not parse formatting clause: error while parsing precision: could not find end of precision specifier');
      if (digits === '') throw new Error('could not parse formatting clause: error while parsing precision: error while converting precision to integer: strconv.Atoi: parsing "": invalid syntax');
      precision = Number(digits);
    }
    result += formatClause(this[i]!, args.get(argument++)!, precision);
  }
  return result;
}

/** The same overload as the library's, so it replaces it in the environment. */
export const stringFormatFunctions = [celMethod('format', STRING, [listType(DYN)], STRING, format)];
