import { celFunc, celMethod, CelScalar, type CelMap, type CelValue } from '@bufbuild/cel';
import { accepts, makeOpaque, opaqueKind, unwrapOpaque } from './opaque.js';

const { BOOL, DYN, INT, STRING } = CelScalar;

export interface IP {
  family: 4 | 6;
  /** The address as an unsigned integer of 32 or 128 bits. */
  value: bigint;
}

export interface CIDR {
  ip: IP;
  prefix: number;
}

const bits = (family: 4 | 6): number => (family === 4 ? 32 : 128);

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Leading zeros are rejected, as Go's netip does: 010 could be read as octal elsewhere.
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

/** 16-bit words of colon-separated groups; only the last group of the address may be a dotted quad. */
function ipv6Words(groups: string[], quadAllowedLast: boolean): number[] | undefined {
  const words: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    if (quadAllowedLast && i === groups.length - 1 && group.includes('.')) {
      const v4 = parseIPv4(group);
      if (v4 === undefined) return undefined;
      words.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
      words.push(parseInt(group, 16));
    } else {
      return undefined;
    }
  }
  return words;
}

function parseIPv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): string[] => (half === '' ? [] : half.split(':'));
  const compressed = halves.length === 2;
  const head = ipv6Words(groups(halves[0]!), !compressed);
  const tail = compressed ? ipv6Words(groups(halves[1]!), true) : [];
  if (!head || !tail) return undefined;
  const count = head.length + tail.length;
  if (compressed ? count > 7 : count !== 8) return undefined;
  const words = [...head, ...new Array<number>(8 - count).fill(0), ...tail];
  return words.reduce((acc, word) => (acc << 16n) | BigInt(word), 0n);
}

/** Kubernetes' ip(): strict dotted quads, no zones, and no IPv4-mapped IPv6 addresses. */
export function parseIP(text: string): IP {
  if (text.includes(':')) {
    const value = text.includes('%') ? undefined : parseIPv6(text);
    if (value === undefined) throw new Error(`IP address ${JSON.stringify(text)} is not valid`);
    if (value >> 32n === 0xffffn) throw new Error(`IPv4-mapped IPv6 address ${JSON.stringify(text)} is not allowed`);
    return { family: 6, value };
  }
  const value = parseIPv4(text);
  if (value === undefined) throw new Error(`IP address ${JSON.stringify(text)} is not valid`);
  return { family: 4, value };
}

/** Dotted quads, or RFC 5952 IPv6: lower case, no leading zeros, the longest run of zero groups as `::`. */
export function formatIP(ip: IP): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 0xffn)).join('.');
  const words = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = words.map((word) => word.toString(16));
  if (best.length < 2) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

export function parseCIDR(text: string): CIDR {
  const slash = text.indexOf('/');
  const prefixText = text.slice(slash + 1);
  if (slash < 0 || !/^(0|[1-9]\d*)$/.test(prefixText)) throw new Error(`network address ${JSON.stringify(text)} is not a valid CIDR`);
  const ip = parseIP(text.slice(0, slash));
  const prefix = Number(prefixText);
  if (prefix > bits(ip.family)) throw new Error(`network address ${JSON.stringify(text)} has a prefix longer than ${bits(ip.family)} bits`);
  return { ip, prefix };
}

function mask(ip: IP, prefix: number): bigint {
  const width = BigInt(bits(ip.family));
  const hostBits = width - BigInt(prefix);
  return (ip.value >> hostBits) << hostBits;
}

function inPrefix(ip: IP, family: 4 | 6, base: bigint, prefix: number): boolean {
  return ip.family === family && mask(ip, prefix) === mask({ family, value: base }, prefix);
}

function ipValue(ip: IP): CelMap {
  return makeOpaque('IP', ip, formatIP(ip));
}

function cidrValue(cidr: CIDR): CelMap {
  return makeOpaque('CIDR', cidr, `${formatIP(cidr.ip)}/${cidr.prefix}`);
}

const ipOf = (value: unknown, name: string): IP => unwrapOpaque<IP>(value, 'IP', name);
const cidrOf = (value: unknown, name: string): CIDR => unwrapOpaque<CIDR>(value, 'CIDR', name);

const V4 = (text: string): bigint => parseIPv4(text)!;

function isMulticast(ip: IP): boolean {
  return ip.family === 4 ? inPrefix(ip, 4, V4('224.0.0.0'), 4) : ip.value >> 120n === 0xffn;
}

function isLoopback(ip: IP): boolean {
  return ip.family === 4 ? inPrefix(ip, 4, V4('127.0.0.0'), 8) : ip.value === 1n;
}

function isLinkLocalUnicast(ip: IP): boolean {
  return ip.family === 4 ? inPrefix(ip, 4, V4('169.254.0.0'), 16) : ip.value >> 118n === 0x3fan;
}

/** Go's netip semantics, which Kubernetes uses: private ranges count as global unicast. */
function isGlobalUnicast(ip: IP): boolean {
  if (ip.value === 0n) return false;
  if (ip.family === 4 && ip.value === 0xffffffffn) return false;
  return !isLoopback(ip) && !isMulticast(ip) && !isLinkLocalUnicast(ip);
}

function ipPredicate(name: string, test: (ip: IP) => boolean) {
  return celMethod(name, DYN, [], BOOL, function () {
    return test(ipOf(this, name));
  });
}

function containedIP(value: CelValue): IP {
  return typeof value === 'string' ? parseIP(value) : ipOf(value, 'containsIP');
}

function containedCIDR(value: CelValue): CIDR {
  return typeof value === 'string' ? parseCIDR(value) : cidrOf(value, 'containsCIDR');
}

export const ipFunctions = [
  celFunc('ip', [STRING], DYN, (text) => ipValue(parseIP(text))),
  celFunc('isIP', [STRING], BOOL, accepts(parseIP)),
  celFunc('ip.isCanonical', [STRING], BOOL, (text) => formatIP(parseIP(text)) === text),
  celMethod('family', DYN, [], INT, function () {
    return BigInt(ipOf(this, 'family').family);
  }),
  ipPredicate('isUnspecified', (ip) => ip.value === 0n),
  ipPredicate('isLoopback', isLoopback),
  ipPredicate('isLinkLocalMulticast', (ip) =>
    ip.family === 4 ? inPrefix(ip, 4, V4('224.0.0.0'), 24) : ip.value >> 112n === 0xff02n,
  ),
  ipPredicate('isLinkLocalUnicast', isLinkLocalUnicast),
  ipPredicate('isGlobalUnicast', isGlobalUnicast),
  celFunc('cidr', [STRING], DYN, (text) => cidrValue(parseCIDR(text))),
  celFunc('isCIDR', [STRING], BOOL, accepts(parseCIDR)),
  celMethod('containsIP', DYN, [DYN], BOOL, function (other) {
    const { ip, prefix } = cidrOf(this, 'containsIP');
    return inPrefix(containedIP(other), ip.family, ip.value, prefix);
  }),
  celMethod('containsCIDR', DYN, [DYN], BOOL, function (other) {
    const { ip, prefix } = cidrOf(this, 'containsCIDR');
    const inner = containedCIDR(other);
    return inner.prefix >= prefix && inPrefix(inner.ip, ip.family, ip.value, prefix);
  }),
  celMethod('ip', DYN, [], DYN, function () {
    return ipValue(cidrOf(this, 'ip').ip);
  }),
  celMethod('masked', DYN, [], DYN, function () {
    const { ip, prefix } = cidrOf(this, 'masked');
    return cidrValue({ ip: { family: ip.family, value: mask(ip, prefix) }, prefix });
  }),
  celMethod('prefixLength', DYN, [], INT, function () {
    return BigInt(cidrOf(this, 'prefixLength').prefix);
  }),
];

/** string(ip) and string(cidr); other opaque kinds have no string form in Kubernetes. */
export function ipToString(value: CelValue): string | undefined {
  const kind = opaqueKind(value);
  if (kind === 'IP') return formatIP(ipOf(value, 'string'));
  if (kind === 'CIDR') {
    const cidr = cidrOf(value, 'string');
    return `${formatIP(cidr.ip)}/${cidr.prefix}`;
  }
  return undefined;
}
