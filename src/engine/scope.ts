import type { AdmissionRequest } from '../admission/types.js';
import type { Config } from '../config/types.js';
import { requestPolicyKind, type PolicyFamily } from '../invariants/net/kinds.js';
import { selectorMatches } from '../util/label-selector.js';

/** Namespaces never evaluated, whatever the config says: locking these out locks out the cluster. */
export function isExemptNamespace(namespace: string, config: Config): boolean {
  return namespace === config.ztgateNamespace || config.systemNamespaces.includes(namespace);
}

export function isProtectedNamespace(namespace: string, labels: Record<string, string>, config: Config): boolean {
  if (isExemptNamespace(namespace, config)) return false;
  if (config.protection.excludeNamespaces.includes(namespace)) return false;
  return selectorMatches(config.protection.namespaceSelector, labels);
}

/**
 * Istio kinds that, written in its root namespace (policy.istioRootNamespace), apply to every workload of
 * the mesh: PeerAuthentication and AuthorizationPolicy (mesh-wide), EnvoyFilter and WasmPlugin (every
 * proxy), DestinationRule (every client without a closer one).
 */
const MESH_WIDE_FAMILIES: ReadonlySet<PolicyFamily> = new Set(['peer-authentication', 'authorization-policy', 'destination-rule', 'mesh-extension']);

/**
 * Policy that decides for every protected namespace at once, so it is judged as protected wherever the
 * root namespace falls: users exclude that namespace from protection to spare istio-cni and the
 * gateways from the workload invariants, which must not also spare the mesh's defaults. Exempt stays
 * exempt (a root namespace listed in systemNamespaces is never evaluated).
 */
export function isMeshWidePolicy(request: AdmissionRequest, config: Config): boolean {
  const namespace = request.namespace ?? '';
  if (namespace !== config.policy.istioRootNamespace || isExemptNamespace(namespace, config)) return false;
  const family = requestPolicyKind(request)?.family;
  return family !== undefined && MESH_WIDE_FAMILIES.has(family);
}

/** Whether the invariants that run in protected namespaces only judge this request. */
export function isJudgedAsProtected(request: AdmissionRequest, namespaceLabels: Record<string, string>, config: Config): boolean {
  const namespace = request.namespace ?? '';
  return namespace === '' || isProtectedNamespace(namespace, namespaceLabels, config) || isMeshWidePolicy(request, config);
}

/**
 * Why a request is not evaluated at all, or undefined when it is. Namespace objects themselves are
 * reviewed by name so that a system namespace cannot be relabelled through ztgate either way.
 */
export function exemptionReason(request: AdmissionRequest, config: Config): string | undefined {
  const namespace = request.namespace || (request.kind.group === '' && request.kind.kind === 'Namespace' ? request.name : '');
  if (namespace && isExemptNamespace(namespace, config)) return `namespace ${namespace} is never evaluated`;
  return undefined;
}
