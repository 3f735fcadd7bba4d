/** Reading webhook configurations the way the API server does: which webhook a request reaches. */
import assert from 'node:assert/strict';
import { run, type CelInput } from '@bufbuild/cel';
import { ConfigNode } from '../../src/config/reader.js';
import { parseLabelSelector, selectorMatches } from '../../src/util/label-selector.js';

export type Obj = Record<string, any>;

export const NAME_LABEL = 'kubernetes.io/metadata.name';

/** Rule matching as the API server does it, wildcards included. */
export function covers(rule: Obj, group: string, resource: string, operation: string): boolean {
  const [main, sub] = resource.split('/');
  const resources: string[] = rule['resources'];
  const resourceMatch =
    resources.includes('*') ||
    resources.includes(resource) ||
    (sub !== undefined && (resources.includes(`${main}/*`) || resources.includes(`*/${sub}`)));
  return (
    (rule['apiGroups'].includes('*') || rule['apiGroups'].includes(group)) &&
    resourceMatch &&
    (rule['operations'].includes('*') || rule['operations'].includes(operation))
  );
}

export function webhooksOf(configuration: Obj): Obj[] {
  const webhooks: Obj[] = configuration['webhooks'] ?? [];
  assert.ok(webhooks.length > 0, `${configuration['kind']} has webhooks`);
  return webhooks;
}

export function webhookNamed(configuration: Obj, name: string): Obj {
  const found = webhooksOf(configuration).filter((webhook) => webhook['name'] === name);
  assert.equal(found.length, 1, `${configuration['kind']} has one webhook ${name}; it has ${webhooksOf(configuration).map((w) => w['name']).join(', ')}`);
  return found[0]!;
}

/**
 * Whether the API server sends a request in this namespace to the webhook (namespaceSelector only; it
 * sets the name label on every namespace itself).
 */
export function selectsNamespace(webhook: Obj, name: string, labels: Record<string, string> = {}): boolean {
  const selector = parseLabelSelector(new ConfigNode(webhook['namespaceSelector'] ?? {}, `${webhook['name']}.namespaceSelector`));
  return selectorMatches(selector, { ...labels, [NAME_LABEL]: name });
}

/** JSON as CEL sees an unstructured object: maps for objects, lists for arrays. */
export function celValue(value: unknown): CelInput {
  if (Array.isArray(value)) return value.map(celValue);
  if (value !== null && typeof value === 'object') return new Map(Object.entries(value).map(([key, item]) => [key, celValue(item)]));
  return value as CelInput;
}

export interface SentRequest {
  group: string;
  resource: string;
  operation: string;
  namespace: string;
  labels?: Record<string, string>;
  /** The object and old object (JSON; null where the API server sends none). By default an empty spec, and no old object on CREATE. */
  object?: unknown;
  oldObject?: unknown;
  groups?: string[];
}

/**
 * A webhook's matchConditions, evaluated as the API server does: all must be true. One that errors
 * would take the webhook's failurePolicy, which is never meant, so it fails the test instead.
 */
export function conditionsHold(webhook: Obj, request: SentRequest): boolean {
  const empty = { metadata: { name: 'x' }, spec: {} };
  const activation: Record<string, CelInput> = {
    request: celValue({
      resource: { group: request.group, resource: request.resource.split('/')[0] },
      namespace: request.namespace,
      operation: request.operation,
      userInfo: { username: 'someone', groups: request.groups ?? ['system:authenticated'] },
    }),
    object: celValue(request.object !== undefined ? request.object : request.operation === 'DELETE' ? null : empty),
    oldObject: celValue(request.oldObject !== undefined ? request.oldObject : request.operation === 'CREATE' ? null : empty),
  };
  return ((webhook['matchConditions'] ?? []) as Obj[]).every(({ name, expression }) => {
    const result = run(expression, activation);
    assert.equal(typeof result, 'boolean', `${webhook['name']}: matchCondition ${name} evaluates to a bool, not ${String(result)}`);
    return result === true;
  });
}

/** The webhooks of a configuration that a request for this resource in this namespace reaches. */
export function reached(configuration: Obj, request: SentRequest): string[] {
  return webhooksOf(configuration)
    .filter((webhook) => (webhook['rules'] as Obj[]).some((rule) => covers(rule, request.group, request.resource, request.operation)))
    .filter((webhook) => selectsNamespace(webhook, request.namespace, request.labels))
    .filter((webhook) => conditionsHold(webhook, request))
    .map((webhook) => String(webhook['name']));
}

const WRITE = ['CREATE', 'UPDATE'];
const WRITE_DELETE = ['CREATE', 'UPDATE', 'DELETE'];
const CALICO_KINDS: [string, string][] = [
  ['networkpolicies', 'NetworkPolicy'],
  ['globalnetworkpolicies', 'GlobalNetworkPolicy'],
  ['stagednetworkpolicies', 'StagedNetworkPolicy'],
  ['stagedglobalnetworkpolicies', 'StagedGlobalNetworkPolicy'],
  ['tiers', 'Tier'],
];

export interface Reviewed {
  group: string;
  version: string;
  resource: string;
  kind: string;
  operations: string[];
  /** Cluster-scoped: namespaceSelector never skips it. */
  cluster?: boolean;
}

/** What the validating webhooks must review, by resource, with the kind the API server names in the review. */
export const REVIEWED: Reviewed[] = [
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', operations: WRITE },
  { group: '', version: 'v1', resource: 'pods/ephemeralcontainers', kind: 'Pod', operations: WRITE },
  { group: '', version: 'v1', resource: 'replicationcontrollers', kind: 'ReplicationController', operations: WRITE },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', operations: WRITE },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', operations: WRITE },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', operations: WRITE },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', operations: WRITE },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', operations: WRITE },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', operations: WRITE },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', operations: WRITE },
  { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', kind: 'NetworkPolicy', operations: WRITE_DELETE },
  ...(
    [
      ['projectcalico.org', 'v3'],
      ['crd.projectcalico.org', 'v1'],
    ] as const
  ).flatMap(([group, version]) =>
    CALICO_KINDS.map(([resource, kind]): Reviewed => ({ group, version, resource, kind, operations: WRITE_DELETE, cluster: kind.includes('Global') || kind === 'Tier' })),
  ),
  { group: 'security.istio.io', version: 'v1', resource: 'peerauthentications', kind: 'PeerAuthentication', operations: WRITE_DELETE },
  { group: 'security.istio.io', version: 'v1', resource: 'authorizationpolicies', kind: 'AuthorizationPolicy', operations: WRITE_DELETE },
  { group: 'networking.istio.io', version: 'v1', resource: 'destinationrules', kind: 'DestinationRule', operations: WRITE_DELETE },
  { group: 'networking.istio.io', version: 'v1alpha3', resource: 'envoyfilters', kind: 'EnvoyFilter', operations: WRITE_DELETE },
  { group: 'networking.istio.io', version: 'v1', resource: 'virtualservices', kind: 'VirtualService', operations: WRITE },
  { group: 'networking.istio.io', version: 'v1', resource: 'serviceentries', kind: 'ServiceEntry', operations: WRITE },
  { group: 'extensions.istio.io', version: 'v1alpha1', resource: 'wasmplugins', kind: 'WasmPlugin', operations: WRITE_DELETE },
  { group: 'ztgate.io', version: 'v1alpha1', resource: 'zerotrustrules', kind: 'ZeroTrustRule', operations: WRITE, cluster: true },
];
