import { FAILURE_POLICIES, NAMES, PATHS, RULE_GROUP, RULE_PLURAL, SERVICE_PORT, VALIDATE_PATHS, type FailurePolicy } from './names.js';
import { ruleRoutes, type WebhookRule } from './rule-routes.js';
import { evaluatedSelector, meshRootNamespace, namespaceNamed, protectedSelector, unprotectedSelectors, type NamespaceSelector } from './scope.js';
import type { KubeObject, ManifestOptions } from './types.js';

/**
 * The two webhook configurations. Everything here serves one goal beyond enforcement: ztgate must never
 * lock a cluster out, whatever state it is in.
 *
 * - System namespaces and ztgate's own are excluded by name (the kubernetes.io/metadata.name label is
 *   set by the API server and cannot be forged), so the control plane and ztgate itself can always be
 *   repaired.
 * - What the config leaves unprotected (protection.excludeNamespaces, protection.namespaceSelector)
 *   reaches a fail-closed webhook only for what ztgate guards everywhere (scope.ts): Calico policy and
 *   tiers, namespace label changes, Services adding external IPs, VirtualServices and ServiceEntries
 *   routing other namespaces' traffic. Istio policy in its root namespace applies to every workload, so
 *   it goes to a fail-closed webhook whether or not protection covers that namespace.
 * - Requests from kubelets (group system:nodes) are skipped: node status and mirror pods must flow even
 *   when ztgate is down.
 * - Leases, Events, TokenReviews and SubjectAccessReviews are never listed in rules: they are on the hot
 *   path of leader election and authentication.
 * - Mutation fails open (Ignore): a missed sidecar is caught by the validating webhook. Validation fails
 *   closed (Fail): that is the point of an admission policy.
 * - Each validating webhook calls the path of its failurePolicy (VALIDATE_PATHS), so a review ztgate
 *   cannot finish is answered as the API server would answer without ztgate.
 * - timeoutSeconds sit above ztgate's own deadlines (validate 2s, mutate 1s), so ztgate answers with its
 *   fail-safe verdict before the API server gives up, with room left for TLS, network and queueing. The
 *   mutating timeout is the shorter one because mutating webhooks run one after another (and may run
 *   twice with reinvocation), so their time adds straight onto every Pod creation.
 */
export const VALIDATING_TIMEOUT_SECONDS = 5;
export const MUTATING_TIMEOUT_SECONDS = 3;

export const NOT_A_NODE = "!('system:nodes' in request.userInfo.groups)";

const WRITE = ['CREATE', 'UPDATE'];
const WRITE_DELETE = ['CREATE', 'UPDATE', 'DELETE'];

const CALICO_RESOURCES = ['networkpolicies', 'globalnetworkpolicies', 'stagednetworkpolicies', 'stagedglobalnetworkpolicies', 'tiers'];

/**
 * The Istio policy that, written in the root namespace, applies to every workload of the mesh
 * (src/engine/scope.ts MESH_WIDE_FAMILIES); elsewhere it follows the protected/unprotected split.
 */
export const MESH_POLICY_RULES = [
  { apiGroups: ['security.istio.io'], apiVersions: ['*'], operations: WRITE_DELETE, resources: ['peerauthentications', 'authorizationpolicies'], scope: 'Namespaced' },
  { apiGroups: ['networking.istio.io'], apiVersions: ['*'], operations: WRITE_DELETE, resources: ['destinationrules', 'envoyfilters'], scope: 'Namespaced' },
  { apiGroups: ['extensions.istio.io'], apiVersions: ['*'], operations: WRITE_DELETE, resources: ['wasmplugins'], scope: 'Namespaced' },
];

/**
 * What the validating webhooks review, split by where ztgate judges it. Workloads, Kubernetes
 * NetworkPolicy and Istio policy are judged by invariants that run in protected namespaces only, so
 * they go to a fail-closed webhook there and to a fail-open one elsewhere (custom rules run in every
 * evaluated namespace). Calico policy and tiers are guarded everywhere (ZT-NET-003 ownership, ZT-NET-004
 * validity): a protected tier's policy written in an unprotected namespace is still evaluated first.
 */
export const PROTECTED_RULES = [
  {
    apiGroups: [''],
    apiVersions: ['v1'],
    operations: WRITE,
    resources: ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers', 'services'],
    scope: 'Namespaced',
  },
  { apiGroups: ['apps'], apiVersions: ['v1'], operations: WRITE, resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], scope: 'Namespaced' },
  { apiGroups: ['batch'], apiVersions: ['v1'], operations: WRITE, resources: ['jobs', 'cronjobs'], scope: 'Namespaced' },
  { apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: WRITE_DELETE, resources: ['networkpolicies'], scope: 'Namespaced' },
  ...MESH_POLICY_RULES,
  { apiGroups: ['networking.istio.io'], apiVersions: ['*'], operations: WRITE, resources: ['virtualservices', 'serviceentries'], scope: 'Namespaced' },
];

export const EVERYWHERE_RULES = [
  // projectcalico.org is served by the Calico API server, crd.projectcalico.org by the CRDs beneath it.
  { apiGroups: ['projectcalico.org', 'crd.projectcalico.org'], apiVersions: ['*'], operations: WRITE_DELETE, resources: CALICO_RESOURCES, scope: '*' },
  // ZT-RULE-001: a rule that does not compile is refused here rather than left out by the watch.
  { apiGroups: [RULE_GROUP], apiVersions: ['*'], operations: WRITE, resources: [RULE_PLURAL], scope: 'Cluster' },
];

/** ZT-NS-001: a namespace relabelled out of what guards it. */
export const NAMESPACE_RULES = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['namespaces'], scope: 'Cluster' }];

/**
 * ZT-NS-001 on creation: a new namespace labelled into an exception or an identity. On its own webhook
 * because it fails open: creating namespaces must not wait for ztgate (a new namespace holds nothing
 * yet, and operators and installers create them), so while ztgate is down their first labels go
 * unjudged (docs/security.md).
 */
export const NEW_NAMESPACE_RULES = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['namespaces'], scope: 'Cluster' }];

/**
 * Only updates that change labels reach ztgate, so that while it is down (this webhook fails closed)
 * controllers can still annotate namespaces and add finalizers, and the namespace controller can finish
 * deleting one. Label-less objects never occur (the API server sets kubernetes.io/metadata.name), but
 * `has` keeps a malformed one from failing the condition, which would refuse the request.
 */
export const LABELS_CHANGED =
  'has(object.metadata.labels) != has(oldObject.metadata.labels) || (has(object.metadata.labels) && object.metadata.labels != oldObject.metadata.labels)';

/**
 * ZT-NET-008 runs in every evaluated namespace, so a Service that claims a new external address must
 * reach a webhook that fails closed there too; every other Service write keeps the split above (fail
 * open outside protection), so Services in unprotected namespaces still flow while ztgate is down.
 * The same condition, negated, keeps those Services off validate.ztgate.io and the unprotected
 * webhooks, so each request reaches exactly one webhook. As ZT-NET-008 does, an update counts only
 * when it adds an address. Every term is guarded, since a matchCondition that errors takes the
 * webhook's failurePolicy: `&&` stops at the resource check for every other kind, and DELETE never
 * reaches it (Service rules list CREATE and UPDATE only).
 */
export const ADDS_EXTERNAL_IPS =
  "request.resource.group == '' && request.resource.resource == 'services' && has(object.spec) && has(object.spec.externalIPs) && " +
  'object.spec.externalIPs.exists(ip, oldObject == null || !has(oldObject.spec) || !has(oldObject.spec.externalIPs) || !(ip in oldObject.spec.externalIPs))';

export const EXTERNAL_IPS_RULES = [{ apiGroups: [''], apiVersions: ['v1'], operations: WRITE, resources: ['services'], scope: 'Namespaced' }];

/** An Istio routing object exported beyond its namespace (exportTo unset means Istio's default, all). */
const EXPORTED_BEYOND_NAMESPACE =
  "(!has(object.spec.exportTo) || size(object.spec.exportTo) == 0 || object.spec.exportTo.exists(e, e != '.' && e != '~' && e != request.namespace))";
const SPEC_CHANGED = '(oldObject == null || !has(oldObject.spec) || object.spec != oldObject.spec)';

/**
 * ZT-NET-010 and ZT-NET-011 run in every evaluated namespace too, so the VirtualServices and
 * ServiceEntries they could refuse go to a fail-closed webhook there, and the rest keep the
 * protected/unprotected split. Exported beyond the namespace and a changed spec are exactly the
 * invariants' own tests. CEL cannot read hosts as Istio does, so for a VirtualService the condition
 * takes a superset: bound to the mesh, with any host containing a wildcard or `.svc` (whatever the
 * cluster domain) or of two labels (`reviews.payments`, which ztgate counts when the namespace exists).
 * For a ServiceEntry it takes every one that lists endpoints or selects workloads, whatever its hosts.
 * DELETE never reaches it (their rules list CREATE and UPDATE only).
 */
export const MAY_ROUTE_OTHER_NAMESPACES =
  "request.resource.group == 'networking.istio.io' && has(object.spec) && " +
  `${EXPORTED_BEYOND_NAMESPACE} && ${SPEC_CHANGED} && (` +
  "(request.resource.resource == 'virtualservices' && has(object.spec.hosts) && " +
  "object.spec.hosts.exists(h, h.contains('*') || h.matches('(?i)[.]svc') || h.matches('^[^.*]+[.][^.*]+[.]?$')) && " +
  "(!has(object.spec.gateways) || size(object.spec.gateways) == 0 || 'mesh' in object.spec.gateways)) || " +
  "(request.resource.resource == 'serviceentries' && " +
  '((has(object.spec.endpoints) && size(object.spec.endpoints) > 0) || has(object.spec.workloadSelector))))';

export const MESH_ROUTING_RULES = [{ apiGroups: ['networking.istio.io'], apiVersions: ['*'], operations: WRITE, resources: ['virtualservices', 'serviceentries'], scope: 'Namespaced' }];

/** What mesh-root.ztgate.io takes: MESH_POLICY_RULES' resources in the root namespace. */
export function meshPolicyIn(rootNamespace: string): string {
  const resources = MESH_POLICY_RULES.map(
    ({ apiGroups, resources }) => `(request.resource.group == '${apiGroups[0]}' && request.resource.resource in [${resources.map((name) => `'${name}'`).join(', ')}])`,
  );
  return `request.namespace == '${rootNamespace}' && (${resources.join(' || ')})`;
}

const SKIP_KUBELETS = { name: 'skip-kubelets', expression: NOT_A_NODE };
/** What validate.ztgate.io and unprotected-N leave to the carve-out webhooks, so nothing is sent twice. */
function notCarvedOut(rootNamespace: string | undefined): { name: string; expression: string }[] {
  return [
    SKIP_KUBELETS,
    { name: 'not-adding-external-ips', expression: `!(${ADDS_EXTERNAL_IPS})` },
    { name: 'not-routing-other-namespaces', expression: `!(${MAY_ROUTE_OTHER_NAMESPACES})` },
    ...(rootNamespace ? [{ name: 'not-mesh-root-policy', expression: `!(${meshPolicyIn(rootNamespace)})` }] : []),
  ];
}

/**
 * Whether only webhooks that fail closed, in every evaluated namespace, send this request (Calico policy
 * and tiers, ZeroTrustRules, Namespace label changes): then a review ztgate cannot finish must refuse
 * it wherever it comes from, as the API server does while ztgate is down. Read off the rules themselves,
 * so the fail-safe and the registration cannot drift apart.
 */
export function sentOnlyToFailClosed(request: { resource: { group: string; resource: string }; subResource?: string; operation: string }): boolean {
  if (request.subResource) return false;
  const { group, resource } = request.resource;
  return [...EVERYWHERE_RULES, ...NAMESPACE_RULES].some((rule) => ruleSends(rule, group, resource, request.operation));
}

/** A webhook rule's own lists name this group, resource and operation (no wildcards: ztgate's rules have none there). */
function ruleSends(rule: { apiGroups: string[]; resources: string[]; operations: string[] }, group: string, resource: string, operation: string): boolean {
  return rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.operations.includes(operation);
}

export const MUTATING_RULES = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }];

function clientConfig(options: ManifestOptions, path: string): Record<string, unknown> {
  const config: Record<string, unknown> = options.url
    ? { url: `${options.url.replace(/\/+$/, '')}${path}` }
    : { service: { name: NAMES.service, namespace: options.namespace, path, port: SERVICE_PORT } };
  if (options.caBundle) config['caBundle'] = Buffer.from(options.caBundle, 'utf8').toString('base64');
  return config;
}

function common(options: ManifestOptions, path: string, namespaceSelector: NamespaceSelector): Record<string, unknown> {
  return {
    admissionReviewVersions: ['v1'],
    clientConfig: clientConfig(options, path),
    matchPolicy: 'Equivalent',
    namespaceSelector,
    matchConditions: [SKIP_KUBELETS],
    // ztgate reads and decides; it writes nothing about the object it reviews, so dry-run requests work.
    sideEffects: 'None',
  };
}

const LABELS = { 'app.kubernetes.io/name': NAMES.app, 'app.kubernetes.io/component': 'webhook' };

interface WebhookSpec {
  name: string;
  namespaceSelector: NamespaceSelector;
  failurePolicy: FailurePolicy;
  [field: string]: unknown;
}

/** A configuration of webhooks: the shared settings, the path each calls, then what is particular to each. */
function configuration(kind: string, options: ManifestOptions, pathOf: (failurePolicy: FailurePolicy) => string, webhooks: WebhookSpec[]): KubeObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name: NAMES.webhookConfiguration, labels: LABELS },
    webhooks: webhooks.map(({ name, namespaceSelector, ...rest }) => ({ name, ...common(options, pathOf(rest.failurePolicy), namespaceSelector), ...rest })),
  };
}

/** `unprotected-1.ztgate.io`, ...: one per part of the unprotected namespaces (see unprotectedSelectors). */
export function unprotectedWebhookName(index: number): string {
  return `${NAMES.unprotectedWebhookPrefix}-${index + 1}.ztgate.io`;
}

/** Every validating webhook answers within the same timeout. */
const VALIDATING = { timeoutSeconds: VALIDATING_TIMEOUT_SECONDS };

export function validatingWebhookConfiguration(options: ManifestOptions): KubeObject {
  const webhooks = invariantWebhooks(options);
  const routes = ruleRoutes(options.scope?.rules ?? [], (group, resource, operation) =>
    webhooks.some((webhook) => (webhook['rules'] as WebhookRule[]).some((rule) => ruleSends(rule, group, resource, operation))),
  );
  // Custom rules run in every evaluated namespace; each webhook fails as the rules it carries ask.
  const ruleWebhooks = FAILURE_POLICIES.filter((policy) => routes.has(policy)).map(
    (policy): WebhookSpec => ({ name: NAMES.rulesWebhook[policy], namespaceSelector: evaluatedSelector(options), failurePolicy: policy, ...VALIDATING, rules: routes.get(policy) }),
  );
  return configuration('ValidatingWebhookConfiguration', options, (failurePolicy) => VALIDATE_PATHS[failurePolicy], [...webhooks, ...ruleWebhooks]);
}

/** The webhooks the invariants need, whatever the custom rules are. */
function invariantWebhooks(options: ManifestOptions): WebhookSpec[] {
  const rootNamespace = meshRootNamespace(options);
  const notCarved = notCarvedOut(rootNamespace);
  return [
    {
      name: NAMES.validatingWebhook,
      namespaceSelector: protectedSelector(options),
      failurePolicy: 'Fail',
      ...VALIDATING,
      rules: PROTECTED_RULES,
      matchConditions: notCarved,
    },
    { name: NAMES.calicoWebhook, namespaceSelector: evaluatedSelector(options), failurePolicy: 'Fail', ...VALIDATING, rules: EVERYWHERE_RULES },
    // For a Namespace the selector reads its new labels: a namespace relabelled out of protection would
    // escape a webhook scoped to protected namespaces, so this one takes every evaluated namespace.
    {
      name: NAMES.namespaceWebhook,
      namespaceSelector: evaluatedSelector(options),
      failurePolicy: 'Fail',
      ...VALIDATING,
      rules: NAMESPACE_RULES,
      matchConditions: [SKIP_KUBELETS, { name: 'labels-changed', expression: LABELS_CHANGED }],
    },
    { name: NAMES.newNamespaceWebhook, namespaceSelector: evaluatedSelector(options), failurePolicy: 'Ignore', ...VALIDATING, rules: NEW_NAMESPACE_RULES },
    {
      name: NAMES.externalIPsWebhook,
      namespaceSelector: evaluatedSelector(options),
      failurePolicy: 'Fail',
      ...VALIDATING,
      rules: EXTERNAL_IPS_RULES,
      matchConditions: [SKIP_KUBELETS, { name: 'adds-external-ips', expression: ADDS_EXTERNAL_IPS }],
    },
    {
      name: NAMES.meshRoutingWebhook,
      namespaceSelector: evaluatedSelector(options),
      failurePolicy: 'Fail',
      ...VALIDATING,
      rules: MESH_ROUTING_RULES,
      matchConditions: [SKIP_KUBELETS, { name: 'may-route-other-namespaces', expression: MAY_ROUTE_OTHER_NAMESPACES }],
    },
    // The root namespace by name, protected or not: its Istio policy decides for protected namespaces too.
    ...(rootNamespace
      ? [{ name: NAMES.meshRootWebhook, namespaceSelector: namespaceNamed(rootNamespace), failurePolicy: 'Fail' as const, ...VALIDATING, rules: MESH_POLICY_RULES }]
      : []),
    // Outside protection only custom rules judge these (ZT-NET-008's Services go to external-ips.ztgate.io,
    // ZT-NET-010's and ZT-NET-011's routing objects to mesh-routing.ztgate.io, the root namespace's Istio
    // policy to mesh-root.ztgate.io),
    // and ztgate itself fails open there on an internal error: a namespace the config leaves unprotected
    // must keep working while ztgate is down.
    ...unprotectedSelectors(options).map((namespaceSelector, index): WebhookSpec => ({
      name: unprotectedWebhookName(index),
      namespaceSelector,
      failurePolicy: 'Ignore',
      ...VALIDATING,
      rules: PROTECTED_RULES,
      matchConditions: notCarved,
    })),
  ];
}

export function mutatingWebhookConfiguration(options: ManifestOptions): KubeObject {
  return configuration('MutatingWebhookConfiguration', options, () => PATHS.mutate, [
    {
      name: NAMES.mutatingWebhook,
      // Not narrowed to protected namespaces: injection follows the mesh labels wherever ztgate evaluates
      // (src/inject/decision.ts), and failing open, this webhook never blocks a namespace anyway.
      namespaceSelector: evaluatedSelector(options),
      failurePolicy: 'Ignore',
      timeoutSeconds: MUTATING_TIMEOUT_SECONDS,
      // Another webhook may add containers after ztgate ran; IfNeeded runs ztgate again then.
      reinvocationPolicy: 'IfNeeded',
      // As Istio does: a Pod opts out of injection with the label sidecar.istio.io/inject=false.
      objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] },
      rules: MUTATING_RULES,
    },
  ]);
}
