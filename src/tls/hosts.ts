import { isIP } from 'node:net';

export type SubjectAltName = { type: 'dns'; value: string } | { type: 'ip'; value: string };

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The canonical text of an IP address, so `::1`, `0:0:0:0:0:0:0:1` and OpenSSL's rendering compare
 * equal. The URL parser already implements IPv6 canonicalisation (RFC 5952), so we borrow it.
 */
export function canonicalIp(ip: string): string {
  if (isIP(ip) === 4) return ip;
  return new URL(`http://[${ip}]`).hostname.slice(1, -1);
}

/** A host given on the command line or in config as a SAN; names the host in the error. */
export function parseHost(host: string): SubjectAltName {
  const text = host.trim();
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIP(bare)) return { type: 'ip', value: canonicalIp(bare) };
  const name = text.toLowerCase().replace(/\.$/, '');
  const labels = name.split('.');
  const valid =
    name.length > 0 &&
    name.length <= 253 &&
    labels.every((label, i) => (i === 0 && label === '*' && labels.length > 2) || DNS_LABEL.test(label));
  if (!valid) throw new Error(`invalid host ${JSON.stringify(host)}: expected a DNS name (RFC 1123) or an IP address`);
  return { type: 'dns', value: name };
}

/** Parsed, de-duplicated SANs in the order given. */
export function parseHosts(hosts: readonly string[]): SubjectAltName[] {
  const seen = new Set<string>();
  const out: SubjectAltName[] = [];
  for (const host of hosts) {
    const san = parseHost(host);
    const key = `${san.type}:${san.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(san);
    }
  }
  return out;
}

/** The four names a Service is reached by inside the cluster; the API server uses `<svc>.<ns>.svc`. */
export function serviceHosts(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}
