import type { AdmissionRequest } from '../admission/types.js';
import type { Config } from '../config/types.js';
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
 * Why a request is not evaluated at all, or undefined when it is. Namespace objects themselves are
 * reviewed by name so that a system namespace cannot be relabelled through ztgate either way.
 */
export function exemptionReason(request: AdmissionRequest, config: Config): string | undefined {
  const namespace = request.namespace || (request.kind.group === '' && request.kind.kind === 'Namespace' ? request.name : '');
  if (namespace && isExemptNamespace(namespace, config)) return `namespace ${namespace} is never evaluated`;
  return undefined;
}
