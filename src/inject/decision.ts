import { selectorMatches, type LabelSelector } from '../util/label-selector.js';
import { A, L } from './annotations.js';
import type { InjectionConfig } from './config.js';

/**
 * Whether a Pod gets a sidecar, with the reason as a sentence. It combines what istiod's webhook
 * registration decides before istiod is even called (the namespace and object selectors of
 * istio-sidecar-injector) with istiod's own injectRequired:
 *
 * 1. hostNetwork Pods never: their iptables rules would rewrite the node's routing.
 * 2. System namespaces never.
 * 3. The namespace opts in with `istio-injection=enabled`, or `istio.io/rev=<our revision>`, or
 *    ztgate's own `ztgate.io/mesh=enabled` (checked in that order; the first label present decides, so
 *    `istio-injection=disabled` wins over the others). A namespace with none of them lets the Pod opt
 *    in itself with the label `sidecar.istio.io/inject=true` or `istio.io/rev=<our revision>`.
 * 4. The Pod's `sidecar.istio.io/inject` label, else the annotation, decides when it is exactly
 *    "true" or "false" (other values count as unset).
 * 5. Otherwise neverInjectSelector, then alwaysInjectSelector, then the policy.
 *
 * `ztgate inject` (mode `manifest`) skips step 3, like `istioctl kube-inject`.
 */

export interface InjectionInputs {
  mode: 'webhook' | 'manifest';
  namespace: string;
  namespaceLabels: Record<string, string>;
  podLabels: Record<string, string>;
  podAnnotations: Record<string, string>;
  hostNetwork: boolean;
  /** Namespaces never injected (kube-system and friends). */
  systemNamespaces: readonly string[];
}

export interface InjectionDecision {
  inject: boolean;
  reason: string;
}

function explicitChoice(labels: Record<string, string>, annotations: Record<string, string>): { value: boolean; source: string } | undefined {
  for (const [source, map] of [
    ['label', labels],
    ['annotation', annotations],
  ] as const) {
    const value = map[A.inject];
    if (value === 'true' || value === 'false') return { value: value === 'true', source: `${source} ${A.inject}=${value}` };
  }
  return undefined;
}

/** Why the namespace (or, in an unlabelled namespace, the Pod itself) lets injection happen; a skip otherwise. */
function namespaceGate(inputs: InjectionInputs, config: InjectionConfig): InjectionDecision {
  const ns = inputs.namespaceLabels;
  const where = `namespace ${inputs.namespace}`;
  if (Object.hasOwn(ns, L.namespaceInjection)) {
    const value = ns[L.namespaceInjection]!;
    return value === 'enabled'
      ? { inject: true, reason: `${where} has ${L.namespaceInjection}=enabled` }
      : { inject: false, reason: `${where} has ${L.namespaceInjection}=${value}` };
  }
  if (Object.hasOwn(ns, L.rev)) {
    const value = ns[L.rev]!;
    return value === config.revision
      ? { inject: true, reason: `${where} has ${L.rev}=${value}` }
      : { inject: false, reason: `${where} belongs to Istio revision ${JSON.stringify(value)}, not ${JSON.stringify(config.revision)}` };
  }
  if (Object.hasOwn(ns, L.ztgateMesh)) {
    const value = ns[L.ztgateMesh]!;
    return value === 'enabled'
      ? { inject: true, reason: `${where} has ${L.ztgateMesh}=enabled` }
      : { inject: false, reason: `${where} has ${L.ztgateMesh}=${value}` };
  }
  const podRevision = inputs.podLabels[L.rev];
  if (podRevision !== undefined && podRevision !== config.revision) {
    return { inject: false, reason: `the Pod belongs to Istio revision ${JSON.stringify(podRevision)}, not ${JSON.stringify(config.revision)}` };
  }
  if (inputs.podLabels[L.inject] === 'true') return { inject: true, reason: `the Pod has the label ${L.inject}=true` };
  if (podRevision !== undefined) return { inject: true, reason: `the Pod has the label ${L.rev}=${podRevision}` };
  return {
    inject: false,
    reason: `${where} does not enable injection (label ${L.namespaceInjection}=enabled, ${L.rev}=${config.revision} or ${L.ztgateMesh}=enabled)`,
  };
}

function matchingSelector(selectors: readonly LabelSelector[], labels: Record<string, string>): boolean {
  // An empty selector would match every Pod; istiod ignores it rather than inject or skip everything.
  return selectors.some(
    (selector) =>
      (Object.keys(selector.matchLabels).length > 0 || selector.matchExpressions.length > 0) && selectorMatches(selector, labels),
  );
}

export function decideInjection(inputs: InjectionInputs, config: InjectionConfig): InjectionDecision {
  if (inputs.hostNetwork) return { inject: false, reason: 'the Pod uses hostNetwork, so its iptables rules would redirect the node' };
  if (inputs.systemNamespaces.includes(inputs.namespace)) {
    return { inject: false, reason: `namespace ${inputs.namespace} is a system namespace` };
  }
  let gate: InjectionDecision | undefined;
  if (inputs.mode === 'webhook') {
    gate = namespaceGate(inputs, config);
    if (!gate.inject) return gate;
  }
  const choice = explicitChoice(inputs.podLabels, inputs.podAnnotations);
  if (choice) return { inject: choice.value, reason: `the Pod has the ${choice.source}` };
  if (matchingSelector(config.neverInjectSelector, inputs.podLabels)) {
    return { inject: false, reason: 'the Pod labels match injection.neverInjectSelector' };
  }
  if (matchingSelector(config.alwaysInjectSelector, inputs.podLabels)) {
    return { inject: true, reason: 'the Pod labels match injection.alwaysInjectSelector' };
  }
  if (config.policy === 'disabled' && inputs.mode === 'webhook') {
    return { inject: false, reason: 'injection.policy is disabled and the Pod does not ask for a sidecar' };
  }
  return { inject: true, reason: gate ? gate.reason : 'ztgate inject injects every Pod that does not opt out' };
}
