import { NAMES, PATHS, SERVICE_PORT, SYSTEM_NAMESPACES } from './names.js';
import type { KubeObject, ManifestOptions } from './types.js';

/**
 * The two webhook configurations. Everything here serves one goal beyond enforcement: ztgate must never
 * lock a cluster out, whatever state it is in.
 *
 * - System namespaces and ztgate's own are excluded by name (the kubernetes.io/metadata.name label is
 *   set by the API server and cannot be forged), so the control plane and ztgate itself can always be
 *   repaired.
 * - Requests from kubelets (group system:nodes) are skipped: node status and mirror pods must flow even
 *   when ztgate is down.
 * - Leases, Events, TokenReviews and SubjectAccessReviews are never listed in rules: they are on the hot
 *   path of leader election and authentication.
 * - Mutation fails open (Ignore): a missed sidecar is caught by the validating webhook. Validation fails
 *   closed (Fail): that is the point of an admission policy.
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

/** What the validating webhook reviews: workloads on write; network and mesh policy also on delete. */
export const VALIDATING_RULES = [
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
  // projectcalico.org is served by the Calico API server, crd.projectcalico.org by the CRDs beneath it.
  { apiGroups: ['projectcalico.org', 'crd.projectcalico.org'], apiVersions: ['*'], operations: WRITE_DELETE, resources: CALICO_RESOURCES, scope: '*' },
  { apiGroups: ['security.istio.io'], apiVersions: ['*'], operations: WRITE_DELETE, resources: ['peerauthentications', 'authorizationpolicies'], scope: 'Namespaced' },
  { apiGroups: ['networking.istio.io'], apiVersions: ['*'], operations: WRITE_DELETE, resources: ['destinationrules'], scope: 'Namespaced' },
];

export const MUTATING_RULES = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }];

function clientConfig(options: ManifestOptions, path: string): Record<string, unknown> {
  const config: Record<string, unknown> = options.url
    ? { url: `${options.url.replace(/\/+$/, '')}${path}` }
    : { service: { name: NAMES.service, namespace: options.namespace, path, port: SERVICE_PORT } };
  if (options.caBundle) config['caBundle'] = Buffer.from(options.caBundle, 'utf8').toString('base64');
  return config;
}

function common(options: ManifestOptions, path: string): Record<string, unknown> {
  return {
    admissionReviewVersions: ['v1'],
    clientConfig: clientConfig(options, path),
    matchPolicy: 'Equivalent',
    namespaceSelector: {
      matchExpressions: [
        { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...new Set([...SYSTEM_NAMESPACES, options.namespace])] },
      ],
    },
    matchConditions: [{ name: 'skip-kubelets', expression: NOT_A_NODE }],
    // ztgate reads and decides; it writes nothing about the object it reviews, so dry-run requests work.
    sideEffects: 'None',
  };
}

const LABELS = { 'app.kubernetes.io/name': NAMES.app, 'app.kubernetes.io/component': 'webhook' };

/** A configuration holding one webhook: the shared settings, then what is particular to it. */
function configuration(kind: string, options: ManifestOptions, path: string, webhook: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name: NAMES.webhookConfiguration, labels: LABELS },
    webhooks: [{ name: webhook['name'], ...common(options, path), ...webhook }],
  };
}

export function validatingWebhookConfiguration(options: ManifestOptions): KubeObject {
  return configuration('ValidatingWebhookConfiguration', options, PATHS.validate, {
    name: NAMES.validatingWebhook,
    failurePolicy: 'Fail',
    timeoutSeconds: VALIDATING_TIMEOUT_SECONDS,
    rules: VALIDATING_RULES,
  });
}

export function mutatingWebhookConfiguration(options: ManifestOptions): KubeObject {
  return configuration('MutatingWebhookConfiguration', options, PATHS.mutate, {
    name: NAMES.mutatingWebhook,
    failurePolicy: 'Ignore',
    timeoutSeconds: MUTATING_TIMEOUT_SECONDS,
    // Another webhook may add containers after ztgate ran; IfNeeded runs ztgate again then.
    reinvocationPolicy: 'IfNeeded',
    // As Istio does: a Pod opts out of injection with the label sidecar.istio.io/inject=false.
    objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] },
    rules: MUTATING_RULES,
  });
}
