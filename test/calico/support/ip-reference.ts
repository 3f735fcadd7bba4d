import type { IpNetwork } from '../../../src/calico/ip.js';

/**
 * The first, straightforward IP parser (split on '.', ':' and '::'), kept as the oracle that the
 * allocation-free parser in src/calico/ip.ts must agree with on every input (ip-fuzz.test.ts).
 */

function parseDecimal(text: string, max: number): number | undefined {
  if (text.length === 0 || text.length > String(max).length) return undefined;
  if (text.length > 1 && text[0] === '0') return undefined;
  let value = 0;
  for (const ch of text) {
    const digit = ch.charCodeAt(0) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value <= max ? value : undefined;
}

/** Dotted quad with no leading zeros, as Go has required since 1.17. */
function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((part) => parseDecimal(part, 255));
  return bytes.every((byte) => byte !== undefined) ? (bytes as number[]) : undefined;
}

function parseHexGroup(text: string): number | undefined {
  if (text.length === 0 || text.length > 4) return undefined;
  let value = 0;
  for (const ch of text.toLowerCase()) {
    const code = ch.charCodeAt(0);
    const digit = code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : -1;
    if (digit < 0) return undefined;
    value = value * 16 + digit;
  }
  return value;
}

function groupsOf(text: string): number[] | undefined {
  if (text === '') return [];
  const out: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4(part);
      if (!v4) return undefined;
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else {
      const group = parseHexGroup(part);
      if (group === undefined) return undefined;
      out.push(group);
    }
  }
  return out;
}

/** RFC 4291 text form: at most one `::`, an optional trailing dotted quad, no zone. */
function parseIPv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

export function referenceParseIp(text: string): { version: 4 | 6; bytes: number[] } | undefined {
  if (text.includes(':')) {
    const bytes = parseIPv6(text);
    return bytes ? { version: 6, bytes } : undefined;
  }
  const bytes = parseIPv4(text);
  return bytes ? { version: 4, bytes } : undefined;
}

/** `addr/prefix`, or a bare address when allowed. */
export function referenceParseNetwork(text: string, allowBareAddress = true): IpNetwork | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const slash = text.indexOf('/');
  const address = referenceParseIp(slash === -1 ? text : text.slice(0, slash));
  if (!address) return undefined;
  const bits = address.version === 4 ? 32 : 128;
  if (slash === -1) return allowBareAddress ? { ...address, prefix: bits, hasPrefix: false } : undefined;
  const prefix = parseDecimal(text.slice(slash + 1), bits);
  if (prefix === undefined) return undefined;
  return { ...address, prefix, hasPrefix: true };
}

