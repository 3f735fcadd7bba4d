/**
 * Kubernetes resource quantities in their canonical form (`1000m` → `1`, `2048Mi` → `2Gi`), as the API
 * server and Go's resource.Quantity print them. istiod round-trips every injected container through Go
 * structs, so a sidecar resource written `4000m` in an annotation appears as `4` in the Pod it produces.
 */

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

interface Parsed {
  negative: boolean;
  /** The absolute value is mantissa × 10^exponent. */
  mantissa: bigint;
  exponent: number;
  format: Format;
}

function parse(text: string): Parsed | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, sign, number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let mantissa = BigInt(`${whole}${fraction}` || '0');
  let exponent = -fraction.length;
  let format: Format = 'DecimalSI';
  if (suffix in BINARY_SUFFIXES) {
    mantissa *= 1024n ** BigInt(BINARY_SUFFIXES[suffix]!);
    format = 'BinarySI';
  } else if (suffix in DECIMAL_SUFFIXES) {
    exponent += DECIMAL_SUFFIXES[suffix]!;
  } else {
    exponent += Number(suffix.slice(1));
    format = 'DecimalExponent';
  }
  // Go keeps nano precision and rounds anything finer away from zero.
  if (exponent < -9) {
    const divisor = 10n ** BigInt(-9 - exponent);
    mantissa = (mantissa + divisor - 1n) / divisor;
    exponent = -9;
  }
  return { negative: sign === '-', mantissa, exponent, format };
}

function removeFactors(value: bigint, base: bigint): [bigint, number] {
  let times = 0;
  while (value !== 0n && value % base === 0n) {
    value /= base;
    times++;
  }
  return [value, times];
}

function decimal(mantissa: bigint, exponent: number, format: Format): string {
  const [amount, times] = removeFactors(mantissa, 10n);
  let value = amount;
  let exp = exponent + times;
  const rest = exp % 3;
  if (rest === 1 || rest === -2) {
    value *= 10n;
    exp -= 1;
  } else if (rest === 2 || rest === -1) {
    value *= 100n;
    exp -= 2;
  }
  if (format === 'DecimalExponent') return exp === 0 ? `${value}` : `${value}e${exp}`;
  const suffix = Object.keys(DECIMAL_SUFFIXES).find((key) => DECIMAL_SUFFIXES[key] === exp);
  return suffix === undefined ? `${value}e${exp}` : `${value}${suffix}`;
}

function binary(value: bigint): string {
  let [amount, times] = removeFactors(value, 1024n);
  while (times > 6) {
    amount *= 1024n;
    times--;
  }
  const suffix = Object.keys(BINARY_SUFFIXES).find((key) => BINARY_SUFFIXES[key] === times) ?? '';
  return `${amount}${suffix}`;
}

/** Texts already canonicalised: every injection canonicalises the same few resource values. */
const canonical = new Map<string, string | undefined>();
const REMEMBERED = 256;

/** The canonical text of a quantity, or undefined when `text` is not a valid Kubernetes quantity. */
export function canonicalQuantity(text: string): string | undefined {
  if (canonical.has(text)) return canonical.get(text);
  const result = computeCanonical(text);
  if (canonical.size >= REMEMBERED) canonical.clear();
  canonical.set(text, result);
  return result;
}

function computeCanonical(text: string): string | undefined {
  const parsed = parse(text.trim());
  if (!parsed) return undefined;
  const { negative, mantissa, exponent } = parsed;
  if (mantissa === 0n) return '0';
  let body: string;
  let format = parsed.format;
  if (format === 'BinarySI') {
    const integral = exponent >= 0 || mantissa % 10n ** BigInt(-exponent) === 0n;
    const value = exponent >= 0 ? mantissa * 10n ** BigInt(exponent) : mantissa / 10n ** BigInt(-exponent);
    // Below 1024 or with a fraction of a byte, Go prints the decimal form rather than lose precision.
    if (!integral || value < 1024n) format = 'DecimalSI';
    body = format === 'BinarySI' ? binary(value) : decimal(mantissa, exponent, format);
  } else {
    body = decimal(mantissa, exponent, format);
  }
  return negative ? `-${body}` : body;
}

/** Canonicalises every value of a resource list; values that are not quantities are kept as they are. */
export function canonicalResourceList(list: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(list)) {
    out[name] = typeof value === 'string' ? (canonicalQuantity(value) ?? value) : typeof value === 'number' ? (canonicalQuantity(String(value)) ?? value) : value;
  }
  return out;
}
