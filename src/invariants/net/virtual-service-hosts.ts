import type { Finding, Invariant } from '../../engine/types.js';
import { asArray, type JsonObject } from '../../util/json.js';
import { exportedRouting, isVirtualServiceWrite } from './mesh-export.js';
import { foreignReachOf, type ForeignReach } from './mesh-hosts.js';

/** Sidecars apply a VirtualService only when it is bound to the reserved gateway `mesh`, or to none. */
function routesSidecars(spec: JsonObject): boolean {
  const gateways = asArray(spec['gateways']);
  return gateways.length === 0 || gateways.includes('mesh');
}

function claimed(host: string, reach: ForeignReach): string {
  return reach.kind === 'every-namespace'
    ? `host "${host}", which covers the services of every namespace,`
    : `host "${host}", a service of namespace "${reach.namespace}",`;
}

function fixFor(reach: ForeignReach): string {
  const where = reach.kind === 'namespace' ? `Move the route to namespace "${reach.namespace}"` : 'List only this namespace’s hosts';
  return `${where}, or limit it to this namespace’s clients with exportTo: ["."]; a namespace that routes for others by design needs an exception for ZT-NET-010`;
}

/**
 * ZT-NET-010. A VirtualService in one namespace may name another namespace's service as a host, and
 * with the default exportTo every sidecar in the mesh follows it: its author decides where other
 * teams' clients send their requests, and can route or mirror them to a workload of its own, which
 * then holds a valid certificate of its own identity. The network and cryptographic identities the
 * client checks are then the attacker's, chosen by someone who owns neither end. Routing for a
 * service is its namespace's to write; elsewhere it may shape only the writer's own clients. It runs
 * in every evaluated namespace, because the clients it takes over may be anywhere. Gateway-bound
 * VirtualServices route a gateway's traffic, not the sidecars', and are not judged here.
 */
export const virtualServiceHosts: Invariant = {
  id: 'ZT-NET-010',
  title: 'VirtualServices route other namespaces’ services only for their own clients',
  rationale:
    'A VirtualService exported beyond its namespace decides where every client of the hosts it names sends its requests, so one naming another namespace’s services lets its author reroute or mirror that traffic to a workload of their own; routing for a service belongs in its namespace, and elsewhere may only shape the writer’s own clients.',
  defaultMode: 'enforce',
  scope: 'everywhere',
  appliesTo: isVirtualServiceWrite,
  check(ctx) {
    const routing = exportedRouting(ctx);
    if (!routing || !routesSidecars(routing.spec)) return [];
    const { spec, name, ownNamespace, clients } = routing;
    const findings: Finding[] = [];
    asArray(spec['hosts']).forEach((host, i) => {
      if (typeof host !== 'string') return;
      const reach = foreignReachOf(host, ownNamespace, ctx.config.injection.clusterDomain, ctx.facts.existingNamespaces);
      if (!reach) return;
      findings.push({
        path: `spec.hosts[${i}]`,
        summary: `VirtualService "${name}" routes ${claimed(host, reach)} for clients in ${clients}`,
        why: 'those clients would follow routing the service’s owners did not write, which can send their requests, credentials included, to another workload or mirror them there',
        fix: fixFor(reach),
      });
    });
    return findings;
  },
};
