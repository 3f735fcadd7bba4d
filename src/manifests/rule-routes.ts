import { RULE_GROUP, RULE_PLURAL, type FailurePolicy } from './names.js';

/**
 * What the config file's custom rules need sent beyond what the invariants' webhooks list, as webhook
 * rules: a rule on Ingresses or ConfigMaps (or DELETE of a Pod) runs only if the API server sends
 * those requests, so the registration rendered from a config carries them, as Kyverno's follows its
 * policies. ZeroTrustRule objects cannot change the registration; ZT-RULE-002 warns about theirs.
 */

/** The parts of a custom rule that decide what it needs sent (its `match`, without selectors). */
export interface RuleReach {
  name: string;
  failurePolicy: FailurePolicy;
  apiGroups: readonly string[];
  kinds: readonly string[];
  resources: readonly string[];
  operations: readonly string[];
}

/** A webhook rule as admissionregistration.k8s.io/v1 writes it. */
export interface WebhookRule {
  apiGroups: string[];
  apiVersions: string[];
  operations: string[];
  resources: string[];
  scope: string;
}

const ALL_OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

/** Calico's resources are served under projectcalico.org (its API server) and crd.projectcalico.org. */
const calico = (resource: string): { group: string; resource: string }[] => ['projectcalico.org', 'crd.projectcalico.org'].map((group) => ({ group, resource }));

/**
 * Where a kind is served, for the kinds a rule may name that the invariants' webhooks do not list.
 * Leases, Events, TokenReviews, SubjectAccessReviews and webhook configurations are left out on
 * purpose: leader election, authentication and ztgate's own registration must never wait for it.
 */
export const ROUTABLE_KINDS: Readonly<Record<string, readonly { group: string; resource: string }[]>> = {
  ConfigMap: [{ group: '', resource: 'configmaps' }],
  Secret: [{ group: '', resource: 'secrets' }],
  ServiceAccount: [{ group: '', resource: 'serviceaccounts' }],
  PersistentVolumeClaim: [{ group: '', resource: 'persistentvolumeclaims' }],
  PersistentVolume: [{ group: '', resource: 'persistentvolumes' }],
  Endpoints: [{ group: '', resource: 'endpoints' }],
  LimitRange: [{ group: '', resource: 'limitranges' }],
  ResourceQuota: [{ group: '', resource: 'resourcequotas' }],
  Pod: [{ group: '', resource: 'pods' }],
  Service: [{ group: '', resource: 'services' }],
  ReplicationController: [{ group: '', resource: 'replicationcontrollers' }],
  Namespace: [{ group: '', resource: 'namespaces' }],
  Deployment: [{ group: 'apps', resource: 'deployments' }],
  StatefulSet: [{ group: 'apps', resource: 'statefulsets' }],
  DaemonSet: [{ group: 'apps', resource: 'daemonsets' }],
  ReplicaSet: [{ group: 'apps', resource: 'replicasets' }],
  Job: [{ group: 'batch', resource: 'jobs' }],
  CronJob: [{ group: 'batch', resource: 'cronjobs' }],
  Ingress: [{ group: 'networking.k8s.io', resource: 'ingresses' }],
  IngressClass: [{ group: 'networking.k8s.io', resource: 'ingressclasses' }],
  NetworkPolicy: [{ group: 'networking.k8s.io', resource: 'networkpolicies' }, ...calico('networkpolicies')],
  PodDisruptionBudget: [{ group: 'policy', resource: 'poddisruptionbudgets' }],
  HorizontalPodAutoscaler: [{ group: 'autoscaling', resource: 'horizontalpodautoscalers' }],
  Role: [{ group: 'rbac.authorization.k8s.io', resource: 'roles' }],
  RoleBinding: [{ group: 'rbac.authorization.k8s.io', resource: 'rolebindings' }],
  ClusterRole: [{ group: 'rbac.authorization.k8s.io', resource: 'clusterroles' }],
  ClusterRoleBinding: [{ group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' }],
  EndpointSlice: [{ group: 'discovery.k8s.io', resource: 'endpointslices' }],
  StorageClass: [{ group: 'storage.k8s.io', resource: 'storageclasses' }],
  PriorityClass: [{ group: 'scheduling.k8s.io', resource: 'priorityclasses' }],
  Gateway: [{ group: 'gateway.networking.k8s.io', resource: 'gateways' }],
  HTTPRoute: [{ group: 'gateway.networking.k8s.io', resource: 'httproutes' }],
  GRPCRoute: [{ group: 'gateway.networking.k8s.io', resource: 'grpcroutes' }],
  TLSRoute: [{ group: 'gateway.networking.k8s.io', resource: 'tlsroutes' }],
  TCPRoute: [{ group: 'gateway.networking.k8s.io', resource: 'tcproutes' }],
  ReferenceGrant: [{ group: 'gateway.networking.k8s.io', resource: 'referencegrants' }],
  PeerAuthentication: [{ group: 'security.istio.io', resource: 'peerauthentications' }],
  AuthorizationPolicy: [{ group: 'security.istio.io', resource: 'authorizationpolicies' }],
  RequestAuthentication: [{ group: 'security.istio.io', resource: 'requestauthentications' }],
  DestinationRule: [{ group: 'networking.istio.io', resource: 'destinationrules' }],
  EnvoyFilter: [{ group: 'networking.istio.io', resource: 'envoyfilters' }],
  VirtualService: [{ group: 'networking.istio.io', resource: 'virtualservices' }],
  ServiceEntry: [{ group: 'networking.istio.io', resource: 'serviceentries' }],
  Sidecar: [{ group: 'networking.istio.io', resource: 'sidecars' }],
  WasmPlugin: [{ group: 'extensions.istio.io', resource: 'wasmplugins' }],
  GlobalNetworkPolicy: calico('globalnetworkpolicies'),
  StagedNetworkPolicy: calico('stagednetworkpolicies'),
  StagedGlobalNetworkPolicy: calico('stagedglobalnetworkpolicies'),
  Tier: calico('tiers'),
  ZeroTrustRule: [{ group: RULE_GROUP, resource: RULE_PLURAL }],
};

function groupsServing(resource: string): string[] {
  return [...new Set(Object.values(ROUTABLE_KINDS).flatMap((places) => places.filter((place) => place.resource === resource).map((place) => place.group)))];
}

/** The kind of a resource, for the resources a rule's `kinds` can name. */
export function kindOfResource(group: string, resource: string): string | undefined {
  for (const [kind, places] of Object.entries(ROUTABLE_KINDS)) {
    if (places.some((place) => place.group === group && place.resource === resource)) return kind;
  }
  return undefined;
}

/** Requests that must never wait for ztgate, whatever a rule asks (see ROUTABLE_KINDS). */
const NEVER_ROUTED = new Set(['leases', 'events', 'tokenreviews', 'subjectaccessreviews', 'selfsubjectaccessreviews', 'validatingwebhookconfigurations', 'mutatingwebhookconfigurations']);

/** Whether `sent` (the invariants' webhooks) already carries this group, resource and operation. */
export type Sent = (group: string, resource: string, operation: string) => boolean;

/**
 * The webhook rules, by the failurePolicy of the rules that need them, for what the rules name and the
 * invariants' webhooks do not send. Kinds become their resources (ROUTABLE_KINDS); a kind not in that
 * table cannot be routed (ZT-RULE-002 says so, and `resources:` routes it). Wildcards add nothing.
 */
export function ruleRoutes(rules: readonly RuleReach[], sent: Sent): Map<FailurePolicy, WebhookRule[]> {
  const wanted = new Map<string, { policy: FailurePolicy; apiGroups: string[]; resource: string; operations: Set<string> }>();
  const want = (policy: FailurePolicy, apiGroups: string[], resource: string, operations: readonly string[]): void => {
    if (NEVER_ROUTED.has(resource.split('/')[0]!)) return;
    const missing = operations.filter((operation) => apiGroups.some((group) => !sent(group, resource, operation)));
    if (missing.length === 0) return;
    const key = `${policy}\u0000${apiGroups.join(',')}\u0000${resource}`;
    const entry = wanted.get(key) ?? { policy, apiGroups, resource, operations: new Set<string>() };
    for (const operation of missing) entry.operations.add(operation);
    wanted.set(key, entry);
  };
  for (const rule of rules) {
    const operations = rule.operations.includes('*') ? ALL_OPERATIONS : rule.operations;
    for (const kind of rule.kinds) {
      if (kind === '*') continue;
      for (const { group, resource } of ROUTABLE_KINDS[kind] ?? []) {
        if (rule.apiGroups.includes('*') || rule.apiGroups.includes(group)) want(rule.failurePolicy, [group], resource, operations);
      }
    }
    for (const pattern of rule.resources) {
      if (pattern.startsWith('*')) continue;
      if (!rule.apiGroups.includes('*')) {
        want(rule.failurePolicy, [...rule.apiGroups], pattern, operations);
        continue;
      }
      // Any group: where the resource is known, its own groups, so what is already sent is not sent twice.
      const groups = groupsServing(pattern.split('/')[0]!);
      if (groups.length === 0) want(rule.failurePolicy, ['*'], pattern, operations);
      for (const group of groups) want(rule.failurePolicy, [group], pattern, operations);
    }
  }
  const out = new Map<FailurePolicy, WebhookRule[]>();
  for (const { policy, apiGroups, resource, operations } of [...wanted.values()].sort((a, b) => `${a.apiGroups}/${a.resource}`.localeCompare(`${b.apiGroups}/${b.resource}`))) {
    const list = out.get(policy) ?? [];
    list.push({ apiGroups, apiVersions: ['*'], operations: ALL_OPERATIONS.filter((operation) => operations.has(operation)), resources: [resource], scope: '*' });
    out.set(policy, list);
  }
  return out;
}
