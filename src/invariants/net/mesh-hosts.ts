/**
 * Whether a DestinationRule host names services inside the mesh. Istio resolves a short name
 * (`reviews`) in the rule's namespace, and cluster services end in `.svc` or `.svc.cluster.local`;
 * `*` and anything under `.local` (`*.local`, `*.cluster.local`) also reach them. Everything else
 * (`api.example.com`, `*.example.com`, `reviews.prod`) is treated as outside the mesh.
 */
export function isInMeshHost(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/\.$/, '');
  if (name === '' || name === '*') return true;
  if (!name.includes('.')) return true;
  return name.endsWith('.svc') || name.endsWith('.local');
}
