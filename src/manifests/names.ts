/** Names shared by the deploy manifests and the code that finds those objects at run time. */
export const DEFAULT_NAMESPACE = 'ztgate-system';

/** Never sent to ztgate; the same list as the config's default systemNamespaces (a test keeps them equal). */
export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'] as const;

export const NAMES = {
  app: 'ztgate',
  service: 'ztgate',
  serviceAccount: 'ztgate',
  deployment: 'ztgate',
  configMap: 'ztgate-config',
  /** Both webhook configurations carry this name. */
  webhookConfiguration: 'ztgate',
  /** Everything whose invariants run in protected namespaces only, there; fails closed. */
  validatingWebhook: 'validate.ztgate.io',
  /** Calico policy and tiers, whose ownership and validity ztgate checks in every namespace; fails closed. */
  calicoWebhook: 'calico.ztgate.io',
  /** Namespace label changes (ZT-NS-001), in every namespace but the exempt ones; fails closed. */
  namespaceWebhook: 'namespaces.ztgate.io',
  /** Namespace creation (ZT-NS-001), in every namespace but the exempt ones; fails open. */
  newNamespaceWebhook: 'new-namespaces.ztgate.io',
  /** Services that add spec.externalIPs (ZT-NET-008), in every namespace but the exempt ones; fails closed. */
  externalIPsWebhook: 'external-ips.ztgate.io',
  /** VirtualServices and ServiceEntries that may route other namespaces' traffic (ZT-NET-010, ZT-NET-011), in every namespace but the exempt ones; fails closed. */
  meshRoutingWebhook: 'mesh-routing.ztgate.io',
  /** Istio policy in the mesh root namespace, which applies to every workload (ZT-NET-006, -007, -009), protected or not; fails closed. */
  meshRootWebhook: 'mesh-root.ztgate.io',
  /** The same resources as validate.ztgate.io outside protection, for custom rules; fails open. `-<n>` follows. */
  unprotectedWebhookPrefix: 'unprotected',
  /** What the config file's custom rules match beyond the webhooks above (rule-routes.ts), by the rules' failurePolicy. */
  rulesWebhook: { Fail: 'rules.ztgate.io', Ignore: 'rules-ignore.ztgate.io' },
  mutatingWebhook: 'mutate.ztgate.io',
  caSecret: 'ztgate-ca',
  servingSecret: 'ztgate-tls',
} as const;

export const PATHS = {
  /** Reviews whose sender is not known from the path (registrations older than VALIDATE_PATHS, `curl`). */
  validate: '/validate',
  mutate: '/mutate',
  healthz: '/healthz',
  readyz: '/readyz',
} as const;

export type FailurePolicy = 'Fail' | 'Ignore';
export const FAILURE_POLICIES: readonly FailurePolicy[] = ['Fail', 'Ignore'];

/**
 * Each validating webhook calls the path of its own failurePolicy (as Kyverno's `/validate/fail` and
 * `/validate/ignore` do). The review cannot otherwise tell which webhook sent a request: the same kinds
 * reach fail-closed and fail-open webhooks. With it, a review ztgate cannot finish is answered as the
 * API server answers when ztgate cannot be reached.
 */
export const VALIDATE_PATHS: Readonly<Record<FailurePolicy, string>> = { Fail: '/validate/fail', Ignore: '/validate/ignore' };

export const HTTPS_PORT = 8443;
export const SERVICE_PORT = 443;
/** Plain-HTTP Prometheus metrics (`ztgate serve --metrics-port`). */
export const METRICS_PORT = 9090;
export const CONFIG_DIR = '/etc/ztgate';
export const CONFIG_FILE = 'config.yaml';

/** The ZeroTrustRule custom resource (deploy/crds/zerotrustrule.yaml); RBAC grants read access to it. */
export const RULE_GROUP = 'ztgate.io';
export const RULE_PLURAL = 'zerotrustrules';
