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
 * (`*.svc.cluster.local`, `*.cluster.local`, `*.local`, `*.svc`, `*`) covers every namespace. A bare
 * `<service>.<namespace>` is how clients in other namespaces often call a service, and sidecars answer
 * that name for it, so it counts when `<namespace>` exists (`existingNamespaces`); otherwise it is an
 * external name (`example.com`), nobody's namespace. Envoy matches domains without regard to case, so
 * neither does this.
 */
export function foreignReachOf(
  host: string,
  ownNamespace: string,
  clusterDomain: string,
  existingNamespaces: ReadonlySet<string> = NONE,
): ForeignReach | undefined {
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
  const namespace = bareServiceNamespace(name);
  if (namespace !== undefined && namespace !== ownNamespace && existingNamespaces.has(namespace)) return { kind: 'namespace', namespace };
  return undefined;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Whether a host is one of `namespace`'s own cluster names (`<service>.<namespace>.svc[.<cluster
 * domain>]`, or a wildcard under it): the only names a ServiceEntry there may point elsewhere for
 * others without taking over someone else's.
 */
export function isOwnClusterHost(host: string, namespace: string, clusterDomain: string): boolean {
  const name = normalHost(host);
  return [`.${namespace}.svc.${normalHost(clusterDomain)}`, `.${namespace}.svc`].some((suffix) => name.endsWith(suffix) && name.length > suffix.length && !name.startsWith('.'));
}

/** `payments` of `reviews.payments`: the namespace a two-label name would be, if it exists. */
function bareServiceNamespace(name: string): string | undefined {
  const labels = name.split('.');
  return labels.length === 2 && !name.includes('*') && labels[0] !== '' ? labels[1] : undefined;
}

/** The namespaces whose existence decides what these hosts name (the facts to gather for them). */
export function namespacesToLookUp(hosts: readonly unknown[]): string[] {
  const names = new Set<string>();
  for (const host of hosts) {
    const namespace = typeof host === 'string' ? bareServiceNamespace(normalHost(host)) : undefined;
    if (namespace) names.add(namespace);
  }
  return [...names];
}

function normalHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}
