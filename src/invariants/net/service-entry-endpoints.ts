import type { Finding, Invariant } from '../../engine/types.js';
import { asArray, asObject, type JsonObject } from '../../util/json.js';
import { exportedRouting, isServiceEntryWrite } from './mesh-export.js';
import { isOwnClusterHost } from './mesh-hosts.js';

/** Where a ServiceEntry names the workloads that receive its traffic, or undefined when DNS or the original address decides. */
function endpointSource(spec: JsonObject): string | undefined {
  if (asArray(spec['endpoints']).length > 0) return 'spec.endpoints';
  if (asObject(spec['workloadSelector']) !== undefined) return 'spec.workloadSelector';
  return undefined;
}

const WHY =
  'those clients would send what they mean for it to workloads this ServiceEntry picked, which can read it or answer as the real service: the address or name they trust is taken over, as with a Service’s externalIPs';

/**
 * ZT-NET-011. A ServiceEntry adds hosts and addresses to every sidecar it is exported to, and when it
 * lists its own endpoints (or selects workloads), traffic for them goes there: an external API, a
 * database's address, another team's name. Exported beyond its namespace, that intercepts what other
 * namespaces' clients send, the mesh's form of CVE-2020-8554, and a Calico `nets` rule that trusts the
 * address cannot tell. Entries that let DNS or the original address decide (no endpoints) only describe
 * a destination and pass; so do entries whose hosts are all the namespace's own cluster names.
 */
export const serviceEntryEndpoints: Invariant = {
  id: 'ZT-NET-011',
  title: 'ServiceEntries send others’ traffic only for their own namespace’s names',
  rationale:
    'A ServiceEntry that lists its own endpoints sends the traffic of every sidecar it is exported to for its hosts and addresses to those endpoints, so one exported beyond its namespace can intercept other namespaces’ calls to an external API, a database address or another team’s name; it may do so only for its own namespace’s cluster names, or for its own clients.',
  defaultMode: 'enforce',
  scope: 'everywhere',
  appliesTo: isServiceEntryWrite,
  check(ctx) {
    const routing = exportedRouting(ctx);
    const source = routing && endpointSource(routing.spec);
    if (!routing || !source) return [];
    const { spec, name, ownNamespace, clients } = routing;
    const domain = ctx.config.injection.clusterDomain;
    const fix = `Limit it to this namespace’s clients with exportTo: ["."], or name only hosts under ${ownNamespace}.svc.${domain} and no addresses; a namespace that provides others’ destinations by design needs an exception for ZT-NET-011`;
    const findings: Finding[] = [];
    const claim = (path: string, what: string): void => {
      findings.push({ path, summary: `ServiceEntry "${name}" sends traffic for ${what} to endpoints it chose (${source}), for clients in ${clients}`, why: WHY, fix });
    };
    asArray(spec['hosts']).forEach((host, i) => {
      if (typeof host === 'string' && isOwnClusterHost(host, ownNamespace, domain)) return;
      claim(`spec.hosts[${i}]`, `host ${JSON.stringify(host)}`);
    });
    asArray(spec['addresses']).forEach((address, i) => claim(`spec.addresses[${i}]`, `address ${JSON.stringify(address)}`));
    return findings;
  },
};
