/** Builders for the manifests the scenarios send; plain JSON, exactly what kubectl receives. */

export type Json = Record<string, unknown>;

export const IMAGE = 'registry.k8s.io/pause:3.10';

export interface ContainerSpec {
  name?: string;
  securityContext?: Json;
  ports?: Json[];
  readinessProbe?: Json;
  livenessProbe?: Json;
}

export interface PodSpecOptions {
  serviceAccountName?: string;
  containers?: ContainerSpec[];
  securityContext?: Json;
  hostNetwork?: boolean;
}

export interface PodOptions extends PodSpecOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function podSpec(o: PodSpecOptions = {}): Json {
  const spec: Json = {
    containers: (o.containers ?? [{}]).map((c, i) => ({ name: c.name ?? (i === 0 ? 'app' : `app${i}`), image: IMAGE, ...withoutName(c) })),
  };
  if (o.serviceAccountName !== undefined) spec['serviceAccountName'] = o.serviceAccountName;
  if (o.securityContext) spec['securityContext'] = o.securityContext;
  if (o.hostNetwork !== undefined) spec['hostNetwork'] = o.hostNetwork;
  return spec;
}

function withoutName(c: ContainerSpec): Json {
  const { name: _name, ...rest } = c;
  return rest;
}

function metadata(name: string, namespace: string | undefined, o: { labels?: Record<string, string>; annotations?: Record<string, string> }): Json {
  const m: Json = { name };
  if (namespace) m['namespace'] = namespace;
  if (o.labels) m['labels'] = o.labels;
  if (o.annotations) m['annotations'] = o.annotations;
  return m;
}

export function pod(name: string, namespace: string, o: PodOptions = {}): Json {
  return { apiVersion: 'v1', kind: 'Pod', metadata: metadata(name, namespace, o), spec: podSpec(o) };
}

export function deployment(name: string, namespace: string, o: PodOptions = {}): Json {
  const labels = { app: name, ...(o.labels ?? {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels, ...(o.annotations ? { annotations: o.annotations } : {}) }, spec: podSpec(o) },
    },
  };
}

/** The Pod a ReplicaSet of this Deployment would create (name fixed, so a dry run and a real create compare). */
export function podOfDeployment(d: Json, podName: string): Json {
  const spec = d['spec'] as Json;
  const template = spec['template'] as Json;
  const m = d['metadata'] as Json;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...(template['metadata'] as Json), name: podName, namespace: m['namespace'] },
    spec: template['spec'],
  };
}

export function namespaceObject(name: string, labels: Record<string, string> = {}): Json {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function serviceAccount(name: string, namespace: string): Json {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
}

export function list(items: Json[]): Json {
  return { apiVersion: 'v1', kind: 'List', items };
}

/** All containers and init containers of a Pod, by name. */
export function containerNames(p: Json): { containers: string[]; initContainers: string[] } {
  const spec = (p['spec'] ?? {}) as Json;
  const names = (key: string): string[] => ((spec[key] as Json[] | undefined) ?? []).map((c) => String(c['name']));
  return { containers: names('containers'), initContainers: names('initContainers') };
}

export function findContainer(p: Json, name: string): Json | undefined {
  const spec = (p['spec'] ?? {}) as Json;
  for (const key of ['containers', 'initContainers']) {
    const found = ((spec[key] as Json[] | undefined) ?? []).find((c) => c['name'] === name);
    if (found) return found;
  }
  return undefined;
}

export function labelsOf(o: Json): Record<string, string> {
  return (((o['metadata'] as Json | undefined)?.['labels'] ?? {}) as Record<string, string>);
}

export function annotationsOf(o: Json): Record<string, string> {
  return (((o['metadata'] as Json | undefined)?.['annotations'] ?? {}) as Record<string, string>);
}

export function resourceVersion(o: Json | undefined): unknown {
  return (o?.['metadata'] as Json | undefined)?.['resourceVersion'];
}

/** Drops what the API server sets per write (identity, versions, timestamps, the token volume's random name), to compare two writes of one object. */
export function withoutServerFields(o: Json): Json {
  // The ServiceAccount admission plugin names each Pod's token volume with five random characters.
  const copy = JSON.parse(JSON.stringify(o).replace(TOKEN_VOLUME_NAME, '"kube-api-access-(random)"')) as Json;
  const m = (copy['metadata'] ?? {}) as Json;
  for (const key of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation']) delete m[key];
  return copy;
}

const TOKEN_VOLUME_NAME = /"kube-api-access-[a-z0-9]{5}"/g;

/** The name of the token volume the ServiceAccount admission plugin gave the Pod, if it gave one. */
export function tokenVolumeOf(pod: Json): string | undefined {
  const volumes = ((pod['spec'] as Json | undefined)?.['volumes'] ?? []) as Json[];
  const name = volumes.map((v) => String(v['name'])).find((n) => n.startsWith('kube-api-access-'));
  return name;
}

/** A ValidatingAdmissionPolicy over Pod creation with these validations, failing closed. */
export function podPolicy(name: string, validations: Json[]): Json {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] },
      validations,
    },
  };
}

/** The policy's binding to one namespace, only warning: the request then also reaches ztgate. */
export function warnBinding(name: string, namespace: string): Json {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: { policyName: name, validationActions: ['Warn'], matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } } },
  };
}

/** A ZeroTrustRule in warn mode over the Pods of one namespace with these validations. */
export function warnRule(name: string, namespace: string, validations: Json[]): Json {
  return { apiVersion: 'ztgate.io/v1alpha1', kind: 'ZeroTrustRule', metadata: { name }, spec: { mode: 'warn', match: { kinds: ['Pod'], namespaces: [namespace] }, validations } };
}
