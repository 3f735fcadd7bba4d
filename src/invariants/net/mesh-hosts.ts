/**
 * Whether a DestinationRule host names services inside the mesh. Istio resolves a short name
 * (`reviews`) in the rule's namespace, and cluster services end in `.svc` or `.svc.cluster.local`;
 * `*` and anything under `.local` (`*.local`, `*.cluster.local`) also reach them. Everything else
 * (`api.example.com`, `*.example.com`, `reviews.prod`) is treated as outside the mesh.
 */
export function isInMeshHost(host: string): boolean {
  const name = normalHost(host);
  if (name === '' || name === '*') return true;
  if (!name.includes('.')) return true;
  return name.endsWith('.svc') || name.endsWith('.local');
}

/** Which namespaces' services a host reaches beyond the writer's own. */
export type ForeignReach = { kind: 'namespace'; namespace: string } | { kind: 'every-namespace' };

const EVERY_NAMESPACE: ForeignReach = { kind: 'every-namespace' };

/**
 * The namespaces other than `ownNamespace` whose services a VirtualService host names, or undefined
 * when it names only its own or none. Istio resolves a short name in the writer's namespace; a cluster
 * host is `<service>.<namespace>.svc[.<cluster domain>]` (longer names under it, such as a StatefulSet
 * Pod's, still belong to that namespace); a wildcard over `svc.<cluster domain>` or any of its parents
 * (`*.svc.cluster.local`, `*.cluster.local`, `*.local`, `*.svc`, `*`) covers every namespace. Envoy
 * matches domains without regard to case, so neither does this. Two-label names (`reviews.prod`) and
 * external names are not cluster hosts here: `reviews.prod` resolves only through a client's DNS
 * search path, and an external name is nobody's namespace.
 */
export function foreignReachOf(host: string, ownNamespace: string, clusterDomain: string): ForeignReach | undefined {
  const name = normalHost(host);
  const serviceDomain = `svc.${normalHost(clusterDomain)}`;
  if (name === '*') return EVERY_NAMESPACE;
  if (name.startsWith('*.')) {
    const covered = name.slice(2);
    if (covered === 'svc' || serviceDomain === covered || serviceDomain.endsWith(`.${covered}`)) return EVERY_NAMESPACE;
  }
  for (const suffix of [`.${serviceDomain}`, '.svc']) {
    if (!name.endsWith(suffix)) continue;
    const labels = name.slice(0, -suffix.length).split('.');
    if (labels.length < 2) return undefined;
    const namespace = labels[labels.length - 1]!;
    return namespace === ownNamespace ? undefined : { kind: 'namespace', namespace };
  }
  return undefined;
}

function normalHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}
