import type { LabelSelector } from '../util/label-selector.js';
import type { RuleReach } from './rule-routes.js';

/** A Kubernetes object as plain JSON data, the way YAML parses it. */
export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [key: string]: unknown } } & Record<
  string,
  unknown
>;

export interface ManifestOptions {
  namespace: string;
  image: string;
  /** PEM CA bundle for clientConfig.caBundle; absent means ztgate fills it in at run time. */
  caBundle?: string;
  /** Base https URL; webhooks then call `<url>/validate` and `<url>/mutate` instead of the Service. */
  url?: string;
  /** Custom resource definitions to ship alongside (deploy/crds). */
  crds?: KubeObject[];
  /** Which namespaces ztgate evaluates and protects, from the config; absent means the default config. */
  scope?: ReviewScope;
  /** The config file's text for the ConfigMap; absent means the defaults spelled out. */
  configText?: string;
}

/** The parts of ztgate's config that decide which requests the webhooks send to it. */
export interface ReviewScope {
  /** Never evaluated, on top of the built-in system namespaces (config systemNamespaces). */
  systemNamespaces: readonly string[];
  /** protection.excludeNamespaces */
  excludeNamespaces: readonly string[];
  /** protection.namespaceSelector */
  namespaceSelector: LabelSelector;
  /** policy.istioRootNamespace: its mesh-wide Istio policy goes to a fail-closed webhook of its own. */
  istioRootNamespace: string;
  /** The config file's custom rules: what they match beyond the invariants' webhooks is sent too. */
  rules?: readonly RuleReach[];
}
