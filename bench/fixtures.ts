import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { VALIDATE_PATHS } from '../src/manifests/names.js';

/**
 * Request bodies and config files for the benchmark, generated rather than stored so that the sizes the
 * scaling series needs (1-50 containers, 1-1,000 policy rules, 0-1,000 CEL rules) come from one shape.
 * The shapes copy what the API server really sends (read off kube-apiserver 1.34 with
 * `kubectl create --dry-run=server -o json`): a Pod made by a ReplicaSet reaches the mutating webhooks
 * with generateName and no name, the ServiceAccount plugin's projected token volume, and the defaults
 * the API server fills in before admission; the validating webhooks see it after the API server has
 * named it and set its uid, creation time, generation and pending status.
 */

/** The namespace of the validate scenario: protected (every namespace is, by default) and not in the mesh. */
export const APP_NAMESPACE = 'shop';
/**
 * Where the shipped registration sends the validate scenarios' reviews: a Pod in a protected namespace
 * reaches validate.ztgate.io and a Calico policy calico.ztgate.io, both failing closed, so both call
 * the Fail path. Measured there so the figures are those of the route the API server really calls.
 */
export const VALIDATE_PATH = VALIDATE_PATHS.Fail;
/** The namespace of the mutate scenario: labelled for sidecar injection. */
export const MESH_NAMESPACE = 'mesh';
export const SECURITY_ADMINS = 'ztgate:security-admins';

type Json = Record<string, unknown>;

export const NAMESPACES_YAML = `apiVersion: v1
kind: Namespace
metadata:
  name: ${APP_NAMESPACE}
  labels:
    kubernetes.io/metadata.name: ${APP_NAMESPACE}
    team: payments
---
apiVersion: v1
kind: Namespace
metadata:
  name: ${MESH_NAMESPACE}
  labels:
    kubernetes.io/metadata.name: ${MESH_NAMESPACE}
    istio-injection: enabled
    team: payments
`;

function appContainer(index: number): Json {
  const name = index === 0 ? 'api' : `worker-${index}`;
  const port = 8080 + index;
  return {
    name,
    image: `registry.example.com/shop/${name}:1.42.${index}`,
    imagePullPolicy: 'IfNotPresent',
    args: ['--listen=:' + port, '--config=/etc/app/config.yaml'],
    ports: [
      { name: 'http', containerPort: port, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090 + index, protocol: 'TCP' },
    ],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
      { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'api-db', key: 'url' } } },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1' } } },
    ],
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    livenessProbe: {
      httpGet: { path: '/healthz', port, scheme: 'HTTP' },
      initialDelaySeconds: 10, timeoutSeconds: 2, periodSeconds: 10, successThreshold: 1, failureThreshold: 3,
    },
    readinessProbe: {
      httpGet: { path: '/readyz', port, scheme: 'HTTP' },
      timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3,
    },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/app', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'kube-api-access-7xk2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
    securityContext: {
      runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

function logShipper(): Json {
  return {
    name: 'log-shipper',
    image: 'registry.example.com/infra/fluent-bit:3.1.9',
    imagePullPolicy: 'IfNotPresent',
    env: [{ name: 'FLUENT_ELASTICSEARCH_HOST', value: 'logs.infra.svc.cluster.local' }],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    volumeMounts: [
      { name: 'tmp', mountPath: '/var/log/app', readOnly: true },
      { name: 'kube-api-access-7xk2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
    securityContext: { runAsNonRoot: true, runAsUser: 10002, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

/**
 * A Pod as a ReplicaSet creates it. With 2 containers (the default) it is the app plus a log shipper,
 * about 3.5 KB of JSON; more containers add workers of the app's shape.
 */
export function deploymentPod(namespace: string, containers = 2): Json {
  const list = containers <= 1 ? [appContainer(0)] : [appContainer(0), ...Array.from({ length: containers - 2 }, (_, i) => appContainer(i + 1)), logShipper()];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'api-7d9f8b6c5-',
      namespace,
      labels: { app: 'api', 'app.kubernetes.io/part-of': 'shop', 'pod-template-hash': '7d9f8b6c5', version: 'v1' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-14T09:12:44Z', 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-7d9f8b6c5', uid: '5b0f7c4e-2d8a-4a51-9f3e-8c1d2b7a6e90', controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      serviceAccountName: 'api',
      serviceAccount: 'api',
      automountServiceAccountToken: true,
      containers: list,
      volumes: [
        { name: 'config', configMap: { name: 'api-config', defaultMode: 420 } },
        { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
        {
          name: 'kube-api-access-7xk2p',
          projected: {
            defaultMode: 420,
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
      securityContext: { runAsNonRoot: true, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    },
  };
}

const ACTIONS = ['Allow', 'Allow', 'Deny', 'Pass'] as const;

function calicoRule(i: number, direction: 'ingress' | 'egress'): Json {
  const action = ACTIONS[i % ACTIONS.length];
  const peer = { selector: `app == 'client-${i}' && tier in {'frontend', 'backend'}`, namespaceSelector: `team == 'team-${i % 7}'` };
  const target = { ports: [8000 + (i % 1000), '9000:9100'], nets: [`10.${i % 250}.0.0/16`] };
  return direction === 'ingress'
    ? { action, protocol: 'TCP', source: peer, destination: { ports: target.ports } }
    : { action, protocol: i % 5 === 0 ? 'UDP' : 'TCP', destination: { ...target, notNets: [`10.${i % 250}.128.0/24`] } };
}

/** A GlobalNetworkPolicy in the protected `security` tier with `rules` rules, half ingress, half egress. */
export function globalNetworkPolicy(rules: number): Json {
  const ingress = Array.from({ length: Math.ceil(rules / 2) }, (_, i) => calicoRule(i, 'ingress'));
  const egress = Array.from({ length: Math.floor(rules / 2) }, (_, i) => calicoRule(i, 'egress'));
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'GlobalNetworkPolicy',
    metadata: { name: `security.baseline-${rules}`, labels: { 'app.kubernetes.io/managed-by': 'security-team' } },
    spec: {
      tier: 'security',
      order: 100,
      selector: "projectcalico.org/namespace not in {'kube-system', 'calico-system'}",
      types: egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'],
      ingress,
      ...(egress.length > 0 ? { egress } : {}),
    },
  };
}

let uidCounter = 0;
function uid(): string {
  uidCounter += 1;
  return `6f1c2a7e-0b9d-4c3e-9a51-${uidCounter.toString(16).padStart(12, '0')}`;
}

interface CreateOf {
  group: string;
  version: string;
  kind: string;
  resource: string;
  name: string;
  namespace?: string;
  userInfo: Json;
  object: Json;
}

/** A CREATE as the API server sends it to a webhook: v1 envelope, a fresh uid, no oldObject. */
function createReview(what: CreateOf): Json {
  const kind = { group: what.group, version: what.version, kind: what.kind };
  const resource = { group: what.group, version: what.version, resource: what.resource };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: uid(),
      kind,
      resource,
      requestKind: kind,
      requestResource: resource,
      name: what.name,
      ...(what.namespace === undefined ? {} : { namespace: what.namespace }),
      operation: 'CREATE',
      userInfo: what.userInfo,
      object: what.object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

/** A CREATE of a Pod by the ReplicaSet controller, as the API server sends it (name still empty). */
export function podReview(namespace: string, containers = 2): Json {
  return createReview({
    group: '',
    version: 'v1',
    kind: 'Pod',
    resource: 'pods',
    name: '',
    namespace,
    userInfo: {
      username: 'system:serviceaccount:kube-system:replicaset-controller',
      uid: 'a3c2d4e5-1111-4b2c-8d9e-0f1a2b3c4d5e',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
    },
    object: deploymentPod(namespace, containers),
  });
}

/**
 * The same CREATE as the validating webhooks receive it: the API server names the Pod from its
 * generateName and fills in uid, creationTimestamp, generation and the pending status (with the QoS
 * class the resources give) before it calls them, after mutating admission.
 */
export function namedPodReview(namespace: string, containers = 2): Json {
  return namedByApiServer(podReview(namespace, containers));
}

/** A Pod CREATE review (as mutating webhooks see it) turned into what the validating webhooks see. */
export function namedByApiServer(original: Json): Json {
  const review = original as { request: Json & { object: Json } };
  const pod = review.request.object;
  const metadata = pod['metadata'] as Json;
  const name = `${String(metadata['generateName'])}nqzgp`;
  review.request['name'] = name;
  // Key order as the API server encodes an object: metadata's fields alphabetical, status last.
  pod['metadata'] = Object.fromEntries(
    Object.entries({ ...metadata, name, uid: '3a084f16-528e-4cfd-b92a-9bb8be2a5577', creationTimestamp: '2026-11-24T20:31:18Z', generation: 1 }).sort(([a], [b]) => a.localeCompare(b)),
  );
  pod['status'] = { phase: 'Pending', qosClass: 'Burstable' };
  return review;
}

const TOKEN_VOLUME = 'kube-api-access-7xk2p';
/** The alphabet of the API server's random name suffixes (apimachinery's utilrand). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A five-character suffix of that alphabet, one per index, as the ServiceAccount admission plugin makes them. */
function tokenSuffix(index: number): string {
  let suffix = '';
  for (let n = index, i = 0; i < 5; i++, n = Math.floor(n / SUFFIX_ALPHABET.length)) suffix += SUFFIX_ALPHABET[n % SUFFIX_ALPHABET.length];
  return suffix;
}

/** The review's text with the Pod's token volume renamed, in the volume and in every mount of it. */
function withTokenVolume(text: string, index: number): string {
  return text.replaceAll(TOKEN_VOLUME, `kube-api-access-${tokenSuffix(index)}`);
}

/**
 * `count` reviews of one ReplicaSet's Pod as the API server sends its replicas: the same object each
 * time (a replica is named only after mutating admission) but for the name of its token volume, which
 * the ServiceAccount admission plugin draws for each Pod before the webhooks run, each request with
 * its own uid. (A real request also carries the field manager's entry in managedFields, with the time
 * of the create to the second: left out to keep the object at the 3-4 KB the scenarios are set at.)
 */
export function replicaReviews(namespace: string, count: number): string[] {
  const review = podReview(namespace) as { request: { uid: string } };
  return Array.from({ length: count }, (_, i) => {
    review.request.uid = uid();
    return withTokenVolume(JSON.stringify(review), i);
  });
}

/**
 * `count` reviews of Pods from as many ReplicaSets (each its own pod-template-hash, as successive
 * rollouts make them), so no two objects are alike: what mutation costs when nothing can be reused,
 * neither a replayed answer nor a rendered sidecar template.
 */
export function distinctPodReviews(namespace: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const review = podReview(namespace) as { request: { object: Json } };
    const metadata = review.request.object['metadata'] as Json;
    const hash = `7d9f${i.toString(16).padStart(5, '0')}`;
    metadata['generateName'] = `api-${hash}-`;
    (metadata['labels'] as Json)['pod-template-hash'] = hash;
    ((metadata['ownerReferences'] as Json[])[0]!)['name'] = `api-${hash}`;
    return withTokenVolume(JSON.stringify(review), i);
  });
}

/** A CREATE of a GlobalNetworkPolicy by a member of the security tier's owner group. */
export function policyReview(rules: number): Json {
  const object = globalNetworkPolicy(rules);
  return createReview({
    group: 'projectcalico.org',
    version: 'v3',
    kind: 'GlobalNetworkPolicy',
    resource: 'globalnetworkpolicies',
    name: (object['metadata'] as Json)['name'] as string,
    userInfo: { username: 'alice@example.com', uid: 'b7e1c9d0-2222-4c3d-9e0f-1a2b3c4d5e6f', groups: [SECURITY_ADMINS, 'system:authenticated'] },
    object,
  });
}

/**
 * CEL expressions that hold for deploymentPod(), in the shapes real policies take: iteration over
 * containers, string functions, regular expressions, presence tests and arithmetic. The index makes
 * each rule's constants differ, so no cache can fold 1,000 rules into a handful.
 */
const CEL_TEMPLATES: readonly ((i: number) => string)[] = [
  (i) => `object.spec.containers.all(c, c.image.startsWith('registry.example.com/') && !c.image.endsWith(':latest-${i}'))`,
  (i) => `!has(object.spec.hostNetwork) || object.spec.hostNetwork == false || ${i} < 0`,
  (i) => `has(object.metadata.labels) && 'app' in object.metadata.labels && object.metadata.labels['app'] != 'forbidden-${i}'`,
  (i) => `object.spec.containers.all(c, c.name.matches('^[a-z][-a-z0-9]{0,${20 + (i % 40)}}$'))`,
  (i) => `size(object.spec.containers) <= ${60 + i}`,
  (i) => `object.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || c.securityContext.privileged == false || '${i}' == 'x')`,
];

/** The config's `rules:` list: `count` rules that all match Pods and all pass. */
export function celRulesYaml(count: number, failing = false): string {
  if (count === 0) return 'rules: []\n';
  const lines = ['rules:'];
  for (let i = 0; i < count; i++) {
    const expression = failing ? `object.metadata.labels['app'] == 'not-${i}'` : CEL_TEMPLATES[i % CEL_TEMPLATES.length]!(i);
    lines.push(
      `  - name: bench-rule-${i}`,
      '    match:',
      '      kinds: [Pod]',
      '      operations: [CREATE, UPDATE]',
      '    validations:',
      `      - expression: ${JSON.stringify(expression)}`,
      `        message: ${JSON.stringify(`bench rule ${i} failed`)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The config of every scenario: the defaults (every invariant in its default mode) plus `rules:`. */
export function configYaml(rules = 'rules: []\n'): string {
  return `# Generated by bench/: the embedded defaults, spelled out where the benchmark depends on them.
policy:
  tiers:
    - name: security
      protected: true
      owners:
        groups: [${SECURITY_ADMINS}]
${rules}`;
}

function deploymentManifest(i: number): Json {
  const pod = deploymentPod(APP_NAMESPACE, 2 + (i % 2));
  const metadata = pod['metadata'] as Json;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `svc-${i}`, namespace: APP_NAMESPACE, labels: { app: `svc-${i}` } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: `svc-${i}` } },
      template: { metadata: { labels: { ...(metadata['labels'] as Json), app: `svc-${i}` }, annotations: metadata['annotations'] }, spec: pod['spec'] },
    },
  };
}

/**
 * `count` manifests as a repository of applications holds them: Deployments, Services, ConfigMaps,
 * the occasional bare Pod and Calico policy, and every 50th Deployment on the `default` ServiceAccount
 * so the report has denials to write.
 */
export function checkDocuments(count: number): Json[] {
  const docs: Json[] = [];
  for (let i = 0; i < count; i++) {
    const slot = i % 10;
    if (slot < 4) {
      const deployment = deploymentManifest(i);
      if (i % 50 === 0) ((deployment['spec'] as Json)['template'] as { spec: Json }).spec['serviceAccountName'] = 'default';
      docs.push(deployment);
    } else if (slot < 6) {
      docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: APP_NAMESPACE }, spec: { selector: { app: `svc-${i}` }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    } else if (slot < 8) {
      docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cfg-${i}`, namespace: APP_NAMESPACE }, data: { 'config.yaml': `listen: ":8080"\nreplica: ${i}\n` } });
    } else if (slot === 8) {
      const pod = deploymentPod(APP_NAMESPACE, 2);
      const metadata = pod['metadata'] as Json;
      delete metadata['generateName'];
      delete metadata['ownerReferences'];
      metadata['name'] = `job-${i}`;
      docs.push(pod);
    } else {
      docs.push(globalNetworkPolicy(4 + (i % 8)));
      (docs[docs.length - 1]!['metadata'] as Json)['name'] = `security.policy-${i}`;
    }
  }
  return docs;
}

/** Writes checkDocuments(count) as YAML, `perFile` documents per file; returns the number of files. */
export function writeCheckManifests(dir: string, count: number, perFile = 100): number {
  mkdirSync(dir, { recursive: true });
  const docs = checkDocuments(count);
  let files = 0;
  for (let start = 0; start < docs.length; start += perFile, files++) {
    const text = docs.slice(start, start + perFile).map((doc) => stringify(doc, { lineWidth: 0 })).join('---\n');
    writeFileSync(join(dir, `app-${String(files).padStart(3, '0')}.yaml`), text);
  }
  return files;
}
