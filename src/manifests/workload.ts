import { defaultConfigText } from './config.js';
import { CONFIG_DIR, CONFIG_FILE, HTTPS_PORT, METRICS_PORT, NAMES, PATHS, SERVICE_PORT } from './names.js';
import type { KubeObject, ManifestOptions } from './types.js';

export const REPLICAS = 3;
/** The conventional unprivileged `nonroot` UID; the Dockerfile runs as it too. */
export const RUN_AS_USER = 65532;

const SELECTOR = { 'app.kubernetes.io/name': NAMES.app };
const LABELS = { ...SELECTOR, 'app.kubernetes.io/component': 'webhook' };

/**
 * The arguments the container runs with (see `ztgate serve --help`): listen on every interface, and
 * let ztgate keep its own CA and serving certificate in Secrets (src/kube/certs).
 */
export const SERVE_ARGS = ['serve', '--host=0.0.0.0', `--port=${HTTPS_PORT}`, `--metrics-port=${METRICS_PORT}`, '--manage-certs'];

function fieldEnv(name: string, fieldPath: string): Record<string, unknown> {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

/** On the plain-HTTP metrics port: the kubelet has no client certificate for the HTTPS port once --client-ca is on. */
function probe(path: string, periodSeconds: number): Record<string, unknown> {
  return { httpGet: { path, port: 'metrics', scheme: 'HTTP' }, periodSeconds, timeoutSeconds: 2, failureThreshold: 3 };
}

function deployment(options: ManifestOptions): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAMES.deployment, namespace: options.namespace, labels: LABELS },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: SELECTOR },
      // Never fewer ready replicas than asked for during an upgrade: validation fails closed.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: LABELS },
        spec: {
          serviceAccountName: NAMES.serviceAccount,
          priorityClassName: 'system-cluster-critical',
          // Preferred, not required: a small cluster must still run every replica.
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: SELECTOR } } },
              ],
            },
          },
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS_USER,
            runAsGroup: RUN_AS_USER,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'ztgate',
              image: options.image,
              imagePullPolicy: 'IfNotPresent',
              args: SERVE_ARGS,
              env: [
                { name: 'ZTGATE_CONFIG', value: `${CONFIG_DIR}/${CONFIG_FILE}` },
                fieldEnv('POD_NAME', 'metadata.name'),
                fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
              ],
              ports: [
                { name: 'https', containerPort: HTTPS_PORT, protocol: 'TCP' },
                { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
              ],
              readinessProbe: probe(PATHS.readyz, 5),
              livenessProbe: probe(PATHS.healthz, 10),
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { cpu: '1', memory: '512Mi' },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: NAMES.configMap } },
            // The root filesystem is read-only; Node and its libraries may still want a scratch directory.
            { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
          ],
        },
      },
    },
  };
}

export function workloadObjects(options: ManifestOptions): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: options.namespace, labels: { 'app.kubernetes.io/name': NAMES.app } } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: NAMES.configMap, namespace: options.namespace, labels: LABELS },
      // The config the webhooks were rendered for (`ztgate manifests --config`), so the two cannot disagree.
      data: { [CONFIG_FILE]: options.configText ?? defaultConfigText(options.namespace) },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: NAMES.service, namespace: options.namespace, labels: LABELS },
      spec: {
        selector: SELECTOR,
        ports: [{ name: 'https', port: SERVICE_PORT, targetPort: HTTPS_PORT, protocol: 'TCP' }],
      },
    },
    deployment(options),
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: NAMES.app, namespace: options.namespace, labels: LABELS },
      spec: {
        maxUnavailable: 1,
        selector: { matchLabels: SELECTOR },
        // A crash-looping ztgate must not block node drains: unhealthy pods may always be evicted.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    },
  ];
}
