import { compileSelector } from '../selector/index.js';
import { tokenize } from '../selector/tokenizer.js';
import { describeValue, type Issues } from './issues.js';
import { isPortName } from './names.js';

const PROTOCOL_NAMES = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'SCTP', 'UDPLite'] as const;
const PROTOCOL_NUMBERS: Record<string, number> = { TCP: 6, UDP: 17, ICMP: 1, ICMPv6: 58, SCTP: 132, UDPLite: 136 };
/** Protocols with ports: TCP, UDP and SCTP, by name or number. */
const PORT_PROTOCOLS = new Set([6, 17, 132]);

export type Protocol = { name: string; number: number; numeric: boolean };

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/** Calico's numorstring.Protocol: a name from a fixed, case-sensitive list or a number 1-255. */
export function parseProtocol(value: unknown): Protocol | string {
  if (typeof value === 'number' || (typeof value === 'string' && isDigits(value))) {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1 || number > 255) return `protocol ${describeValue(value)} is not a name or a number from 1 to 255`;
    return { name: String(number), number, numeric: true };
  }
  if (typeof value === 'string' && (PROTOCOL_NAMES as readonly string[]).includes(value)) {
    return { name: value, number: PROTOCOL_NUMBERS[value]!, numeric: false };
  }
  return `protocol ${describeValue(value)} is not one of ${PROTOCOL_NAMES.join(', ')} or a number from 1 to 255`;
}

export function protocolSupportsPorts(protocol: Protocol): boolean {
  return PORT_PROTOCOLS.has(protocol.number);
}

export type Port = { kind: 'number'; min: number; max: number } | { kind: 'name'; name: string };

function parsePortNumber(text: string): number | undefined {
  if (!isDigits(text) || text.length > 5) return undefined;
  const number = Number(text);
  return number <= 65535 ? number : undefined;
}

/** A port is a number, a `min:max` range or a named port (IANA service name). */
export function parsePort(value: unknown): Port | string {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 1 || value > 65535) return `port ${describeValue(value)} must be between 1 and 65535`;
    return { kind: 'number', min: value, max: value };
  }
  if (typeof value !== 'string') return `port ${describeValue(value)} must be a number, a range "min:max" or a port name`;
  const colon = value.indexOf(':');
  if (colon !== -1) {
    const min = parsePortNumber(value.slice(0, colon));
    const max = parsePortNumber(value.slice(colon + 1));
    if (min === undefined || max === undefined) return `port range ${describeValue(value)} must be "min:max" with numbers from 1 to 65535`;
    if (min > max) return `port range ${describeValue(value)} has min above max`;
    if (min < 1) return `port range ${describeValue(value)} must start at 1 or above`;
    return { kind: 'number', min, max };
  }
  if (isDigits(value)) {
    const number = parsePortNumber(value);
    if (number === undefined || number < 1) return `port ${describeValue(value)} must be between 1 and 65535`;
    return { kind: 'number', min: number, max: number };
  }
  if (!isPortName(value)) return `port name ${describeValue(value)} must be 1-15 lowercase letters, digits or '-', with a letter`;
  return { kind: 'name', name: value };
}

/**
 * Where `global()` may appear: nowhere, alone (an entity rule's namespaceSelector), or anywhere
 * (fields Calico only parses, such as notSelector).
 */
export type GlobalUse = 'forbidden' | 'alone' | 'allowed';

/**
 * A selector field: it must parse, and `global()` is only meaningful alone in an entity rule's
 * namespaceSelector. Like Calico, any `global(` text in a forbidden field is refused, even in a string.
 */
export function checkSelector(value: unknown, path: string, issues: Issues, global: GlobalUse = 'forbidden'): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string') {
    issues.add(path, `selector must be a string, got ${describeValue(value)}`);
    return;
  }
  const result = compileSelector(value);
  if (!result.ok) {
    // Backticks rather than JSON quotes: selectors are full of double quotes.
    const shown = value.length > 80 ? `${value.slice(0, 79)}…` : value;
    issues.add(path, `selector \`${shown}\` is invalid: ${result.error.message}`);
    return;
  }
  if (global === 'allowed' || !value.includes('global(')) return;
  if (global === 'forbidden') {
    issues.add(path, 'global() can only be used in an entity rule namespaceSelector');
    return;
  }
  const tokens = tokenize(value);
  if (tokens.length !== 2 || tokens[0]!.kind !== 'global()') issues.add(path, 'global() cannot be combined with other selectors');
}

export function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

export function checkIcmp(value: unknown, path: string, issues: Issues): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.add(path, 'must be a map with type and code');
    return;
  }
  const fields = value as Record<string, unknown>;
  const type = fields['type'];
  const code = fields['code'];
  if (type !== undefined && type !== null && !isIntegerIn(type, 0, 254)) issues.add(`${path}.type`, `ICMP type ${describeValue(type)} must be from 0 to 254`);
  if (code !== undefined && code !== null) {
    if (!isIntegerIn(code, 0, 255)) issues.add(`${path}.code`, `ICMP code ${describeValue(code)} must be from 0 to 255`);
    if (type === undefined || type === null) issues.add(`${path}.code`, 'ICMP code specified without an ICMP type');
  }
}

export function checkHttpMatch(value: unknown, path: string, issues: Issues): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.add(path, 'must be a map with methods and paths');
    return;
  }
  const http = value as Record<string, unknown>;
  const methods = http['methods'];
  if (methods !== undefined && methods !== null) {
    if (!Array.isArray(methods) || !methods.every((method) => typeof method === 'string')) {
      issues.add(`${path}.methods`, 'must be a list of HTTP method names');
    } else {
      const repeated = methods.find((method, i) => methods.indexOf(method) !== i);
      if (repeated !== undefined) issues.add(`${path}.methods`, `HTTP method ${describeValue(repeated)} is listed more than once`);
    }
  }
  const paths = http['paths'];
  if (paths === undefined || paths === null) return;
  if (!Array.isArray(paths)) {
    issues.add(`${path}.paths`, 'must be a list of {exact} or {prefix} matches');
    return;
  }
  paths.forEach((entry: unknown, i) => {
    const at = `${path}.paths[${i}]`;
    const match = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const exact = typeof match['exact'] === 'string' ? match['exact'] : '';
    const prefix = typeof match['prefix'] === 'string' ? match['prefix'] : '';
    if (exact && prefix) issues.add(at, "sets both 'exact' and 'prefix'; use one");
    else if (!exact && !prefix) issues.add(at, "must set 'exact' or 'prefix'");
    else {
      const text = exact || prefix;
      if (!text.startsWith('/') || /[? #]/.test(text)) issues.add(at, `path ${describeValue(text)} must start with / and contain no ?, # or space`);
    }
  });
}
