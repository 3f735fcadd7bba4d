import { celFunc, celMethod, CelScalar, mapType, type CelMap } from '@bufbuild/cel';
import { accepts, makeOpaque, unwrapOpaque } from './opaque.js';

const { BOOL, DYN, STRING } = CelScalar;

export interface URLParts {
  scheme: string;
  /** Host with port as written, IPv6 literals in brackets. */
  host: string;
  path: string;
  query: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const HOST = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*))(?::(\d*))?$/;
const VALID_ESCAPES = /%(?![0-9A-Fa-f]{2})/;

/**
 * Go's url.ParseRequestURI, which Kubernetes' url() uses: an absolute URI or an absolute path, with no
 * fragment handling (a `#` stays in the path or query). Paths keep their escaped form.
 */
export function parseURL(text: string): URLParts {
  const fail = (why: string): never => {
    throw new Error(`URL ${JSON.stringify(text)} is not valid: ${why}`);
  };
  if (/[\x00-\x1f\x7f]/.test(text)) fail('it contains a control character');
  if (VALID_ESCAPES.test(text)) fail('it contains an invalid % escape');
  const scheme = SCHEME.exec(text)?.[1] ?? '';
  let rest = scheme ? text.slice(scheme.length + 1) : text;
  const queryAt = rest.indexOf('?');
  const query = queryAt < 0 ? '' : rest.slice(queryAt + 1);
  if (queryAt >= 0) rest = rest.slice(0, queryAt);
  let host = '';
  if (scheme && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    host = authority.slice(authority.lastIndexOf('@') + 1);
    if (!HOST.test(host)) fail(`invalid host ${JSON.stringify(host)}`);
  } else if (!rest.startsWith('/') && !scheme) {
    fail('it is neither an absolute URI nor an absolute path');
  }
  return { scheme, host, path: rest, query };
}

function hostname(host: string): string {
  const match = HOST.exec(host);
  return match?.[1] ?? match?.[2] ?? '';
}

function decode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

/** Go's url.Values: every key with all its values in order. */
function queryMap(query: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const pair of query.split(/[&]/)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}

function urlValue(parts: URLParts, text: string): CelMap {
  return makeOpaque('URL', parts, text);
}

function urlGetter(name: string, get: (parts: URLParts) => string) {
  return celMethod(name, DYN, [], STRING, function () {
    return get(unwrapOpaque<URLParts>(this, 'URL', name));
  });
}

export const urlFunctions = [
  celFunc('url', [STRING], DYN, (text) => urlValue(parseURL(text), text)),
  celFunc('isURL', [STRING], BOOL, accepts(parseURL)),
  urlGetter('getScheme', (parts) => parts.scheme),
  urlGetter('getHost', (parts) => parts.host),
  urlGetter('getHostname', (parts) => hostname(parts.host)),
  urlGetter('getPort', (parts) => HOST.exec(parts.host)?.[3] ?? ''),
  urlGetter('getEscapedPath', (parts) => parts.path),
  celMethod('getQuery', DYN, [], mapType(STRING, DYN), function () {
    return queryMap(unwrapOpaque<URLParts>(this, 'URL', 'getQuery').query);
  }),
];
