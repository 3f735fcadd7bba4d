/** An address or network as Go's net.ParseCIDR reads it: the bytes and the prefix length. */
export interface IpNetwork {
  version: 4 | 6;
  bytes: number[];
  prefix: number;
  /** False when the text was a bare address (a full-length prefix is then implied). */
  hasPrefix: boolean;
}

// A policy carries a net per rule side and every review re-reads them, so the parsers walk the text by
// character code and build nothing but their result: no split, no intermediate arrays, no spreads.

const DOT = 46;
const COLON = 58;

/** text[start, end) as a decimal of at most `max`, with no sign and no leading zero; -1 if it is not one. */
function decimalIn(text: string, start: number, end: number, max: number): number {
  if (start >= end) return -1;
  if (end - start > 1 && text.charCodeAt(start) === 48) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
    if (value > max) return -1;
  }
  return value;
}

/** Dotted quad in text[start, end), with no leading zeros as Go has required since 1.17, into out[at..at+3]. */
function ipv4Into(text: string, start: number, end: number, out: number[], at: number): boolean {
  let part = 0;
  let from = start;
  for (let i = start; i <= end; i++) {
    if (i < end && text.charCodeAt(i) !== DOT) continue;
    if (part === 4) return false;
    const byte = decimalIn(text, from, i, 255);
    if (byte < 0) return false;
    out[at + part++] = byte;
    from = i + 1;
  }
  return part === 4;
}

function hasDot(text: string, start: number, end: number): boolean {
  const dot = text.indexOf('.', start);
  return dot !== -1 && dot < end;
}

/** 1-4 hex digits in text[start, end), either case; -1 if not. */
function hexGroupIn(text: string, start: number, end: number): number {
  if (start >= end || end - start > 4) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    const digit = code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : code >= 65 && code <= 70 ? code - 55 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/**
 * The 16-bit groups of text[start, end) (one side of `::`) into groups[0..]; the count, or -1 if
 * malformed or more than `room`. A dotted quad may end the run and counts as two groups.
 */
function groupsInto(text: string, start: number, end: number, groups: number[], room: number): number {
  if (start === end) return 0;
  let count = 0;
  let from = start;
  for (let i = start; i <= end; i++) {
    if (i < end && text.charCodeAt(i) !== COLON) continue;
    if (i === end && hasDot(text, from, end)) {
      if (count + 2 > room) return -1;
      const quad = [0, 0, 0, 0];
      if (!ipv4Into(text, from, end, quad, 0)) return -1;
      groups[count++] = (quad[0]! << 8) | quad[1]!;
      groups[count++] = (quad[2]! << 8) | quad[3]!;
      return count;
    }
    if (count === room) return -1;
    const group = hexGroupIn(text, from, i);
    if (group < 0) return -1;
    groups[count++] = group;
    from = i + 1;
  }
  return count;
}

/** RFC 4291 text form in text[start, end): at most one `::`, an optional trailing dotted quad, no zone. */
function ipv6In(text: string, start: number, end: number): number[] | undefined {
  const gap = text.indexOf('::', start);
  const hasGap = gap !== -1 && gap + 1 < end;
  if (hasGap) {
    const again = text.indexOf('::', gap + 2);
    if (again !== -1 && again + 1 < end) return undefined;
  }
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  if (!hasGap) {
    if (groupsInto(text, start, end, groups, 8) !== 8) return undefined;
  } else {
    const head = groupsInto(text, start, gap, groups, 7);
    if (head < 0) return undefined;
    const tailGroups = [0, 0, 0, 0, 0, 0, 0];
    const tail = groupsInto(text, gap + 2, end, tailGroups, 7 - head);
    if (tail < 0) return undefined;
    for (let i = 0; i < tail; i++) groups[8 - tail + i] = tailGroups[i]!;
  }
  const bytes = new Array<number>(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = groups[i]! >> 8;
    bytes[2 * i + 1] = groups[i]! & 0xff;
  }
  return bytes;
}

/** The 4 or 16 bytes of the address in text[start, end); a colon makes it IPv6. */
function addressIn(text: string, start: number, end: number): number[] | undefined {
  const colon = text.indexOf(':', start);
  if (colon !== -1 && colon < end) return ipv6In(text, start, end);
  const bytes = [0, 0, 0, 0];
  return ipv4Into(text, start, end, bytes, 0) ? bytes : undefined;
}

export function parseIp(text: string): { version: 4 | 6; bytes: number[] } | undefined {
  const bytes = addressIn(text, 0, text.length);
  return bytes ? { version: bytes.length === 4 ? 4 : 6, bytes } : undefined;
}

/** `addr/prefix`, or a bare address when allowed. */
export function parseNetwork(text: string, allowBareAddress = true): IpNetwork | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const slash = text.indexOf('/');
  if (slash === -1 && !allowBareAddress) return undefined;
  const bytes = addressIn(text, 0, slash === -1 ? text.length : slash);
  if (!bytes) return undefined;
  const version = bytes.length === 4 ? 4 : 6;
  const bits = bytes.length * 8;
  if (slash === -1) return { version, bytes, prefix: bits, hasPrefix: false };
  const prefix = decimalIn(text, slash + 1, text.length, bits);
  return prefix < 0 ? undefined : { version, bytes, prefix, hasPrefix: true };
}

/** True when no bit after the prefix is set: `10.0.0.0/8`, not `10.0.0.1/8`. */
export function isStrictlyMasked(network: IpNetwork): boolean {
  const { bytes, prefix } = network;
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    if ((bytes[i]! & (0xff >> keep)) !== 0) return false;
  }
  return true;
}

/** 0.0.0.0/0 or ::/0 (in any spelling): every address of its family. */
export function isCatchAll(network: IpNetwork): boolean {
  return network.prefix === 0;
}

/** True when `address` lies inside `network`; an address of the other family never does. */
export function networkContains(network: IpNetwork, address: { version: 4 | 6; bytes: number[] }): boolean {
  if (network.version !== address.version) return false;
  for (let i = 0; i < network.bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, network.prefix - i * 8));
    if (keep === 0) return true;
    const mask = (0xff << (8 - keep)) & 0xff;
    if ((network.bytes[i]! & mask) !== (address.bytes[i]! & mask)) return false;
  }
  return true;
}
