import { DEFAULT_ISTIO_ROOT_NAMESPACE } from '../calico/config.js';
import type { Config } from '../config/types.js';
import type { LabelRequirement, LabelSelector } from '../util/label-selector.js';
import { SYSTEM_NAMESPACES } from './names.js';
import type { ManifestOptions, ReviewScope } from './types.js';

/**
 * The namespaceSelectors that send ztgate what its config makes it judge, and nothing the config keeps
 * out of protection to a webhook that fails closed. The API server decides from these alone while
 * ztgate is down, so they must say exactly what src/engine/scope.ts says: exempt, protected, or
 * evaluated but unprotected.
 */

/** Set by the API server on every namespace to its own name; it cannot be forged or removed. */
export const NAME_LABEL = 'kubernetes.io/metadata.name';

/** A LabelSelector as the API stores it: no empty matchLabels, no values for Exists and DoesNotExist. */
export interface NamespaceSelector {
  matchLabels?: Record<string, string>;
  matchExpressions: { key: string; operator: LabelRequirement['operator']; values?: string[] }[];
}

const unique = (names: readonly string[]): string[] => [...new Set(names)];

function expression(requirement: LabelRequirement): NamespaceSelector['matchExpressions'][number] {
  const { key, operator, values } = requirement;
  return operator === 'Exists' || operator === 'DoesNotExist' ? { key, operator } : { key, operator, values: [...values] };
}

function nameNotIn(names: readonly string[]): LabelRequirement {
  return { key: NAME_LABEL, operator: 'NotIn', values: [...names] };
}

/** Exactly the namespaces the requirement does not match (NotIn matches a missing key, as In does not). */
function negate(requirement: LabelRequirement): LabelRequirement {
  const opposite = { In: 'NotIn', NotIn: 'In', Exists: 'DoesNotExist', DoesNotExist: 'Exists' } as const;
  return { ...requirement, operator: opposite[requirement.operator] };
}

/** matchLabels as the In requirements they mean, then matchExpressions. */
function requirementsOf(selector: LabelSelector): LabelRequirement[] {
  const labels = Object.entries(selector.matchLabels).map(([key, value]): LabelRequirement => ({ key, operator: 'In', values: [value] }));
  return [...labels, ...selector.matchExpressions];
}

export function scopeOf(config: Config): ReviewScope {
  const { systemNamespaces, protection, policy } = config;
  return {
    systemNamespaces,
    excludeNamespaces: protection.excludeNamespaces,
    namespaceSelector: protection.namespaceSelector,
    istioRootNamespace: policy.istioRootNamespace,
    // ZeroTrustRule objects cannot change the registration: only the config file's rules are routed.
    rules: config.rules.rules
      .filter((rule) => rule.source === 'config')
      .map(({ name, failurePolicy, match }) => ({ name, failurePolicy, apiGroups: match.apiGroups, kinds: match.kinds, resources: match.resources, operations: match.operations })),
  };
}

/** Never sent to ztgate: the built-in system namespaces, the config's, and ztgate's own. */
export function exemptNamespaces(options: ManifestOptions): string[] {
  return unique([...SYSTEM_NAMESPACES, ...(options.scope?.systemNamespaces ?? []), options.namespace]);
}

/** protection.excludeNamespaces, less those that are exempt anyway. */
function excludedNamespaces(options: ManifestOptions): string[] {
  const exempt = new Set(exemptNamespaces(options));
  return unique(options.scope?.excludeNamespaces ?? []).filter((name) => !exempt.has(name));
}

/** Every namespace ztgate evaluates, protected or not. */
export function evaluatedSelector(options: ManifestOptions): NamespaceSelector {
  return { matchExpressions: [expression(nameNotIn(exemptNamespaces(options)))] };
}

/** The protected namespaces: not exempt, not excluded, and matched by protection.namespaceSelector. */
export function protectedSelector(options: ManifestOptions): NamespaceSelector {
  const selector = options.scope?.namespaceSelector;
  const matchLabels = selector?.matchLabels ?? {};
  return {
    ...(Object.keys(matchLabels).length > 0 ? { matchLabels: { ...matchLabels } } : {}),
    matchExpressions: [nameNotIn([...exemptNamespaces(options), ...excludedNamespaces(options)]), ...(selector?.matchExpressions ?? [])].map(expression),
  };
}

/**
 * The Istio root namespace, whose mesh-wide policy ztgate judges as protected whatever protection says
 * (src/engine/scope.ts isMeshWidePolicy); undefined when it is exempt, as ztgate never sees it then.
 */
export function meshRootNamespace(options: ManifestOptions): string | undefined {
  const root = options.scope?.istioRootNamespace ?? DEFAULT_ISTIO_ROOT_NAMESPACE;
  return exemptNamespaces(options).includes(root) ? undefined : root;
}

/** One namespace, by the name label the API server sets. */
export function namespaceNamed(name: string): NamespaceSelector {
  return { matchExpressions: [{ key: NAME_LABEL, operator: 'In', values: [name] }] };
}

/**
 * The namespaces ztgate evaluates but does not protect, as disjoint selectors (one selector cannot
 * express "excluded by name, or not matched by the protection selector"): the excluded names, then for
 * each requirement of the protection selector the namespaces that meet those before it and fail it.
 * Disjoint, so no request is sent twice; together with protectedSelector they cover evaluatedSelector.
 */
export function unprotectedSelectors(options: ManifestOptions): NamespaceSelector[] {
  const excluded = excludedNamespaces(options);
  const parts: NamespaceSelector[] = [];
  if (excluded.length > 0) parts.push({ matchExpressions: [{ key: NAME_LABEL, operator: 'In', values: excluded }] });
  const notExcluded = nameNotIn([...exemptNamespaces(options), ...excluded]);
  const met: LabelRequirement[] = [];
  for (const requirement of requirementsOf(options.scope?.namespaceSelector ?? { matchLabels: {}, matchExpressions: [] })) {
    parts.push({ matchExpressions: [notExcluded, ...met, negate(requirement)].map(expression) });
    met.push(requirement);
  }
  return parts;
}
