import { asArray, asObject, asString, isJsonObject, stringEntry, stringMap, type JsonObject, type JsonValue } from '../util/json.js';
import { A, INIT, L, PROXY } from './annotations.js';
import type { InjectionConfig } from './config.js';
import { goJson, goShape } from './goshape.js';
import { ownerUri, type Workload } from './owner.js';
import {
  holdFromProxyConfig,
  imageTypeFromProxyConfig,
  interceptionModeFromProxyConfig,
  proxyConfigJson,
  proxyMetadata,
  type ProxyConfig,
} from './proxyconfig.js';
import { canonicalQuantity } from './quantity.js';
import { annotationOr, interceptionMode, iptablesArgs, statusPortOf, type Annotations } from './traffic.js';

/**
 * The sidecar template: what istiod's default injection template (`sidecar`) renders for a Pod, as a
 * partial Pod that is then merged onto the real one. Field order and values follow the template of the
 * Istio release named in the config; zero values the template writes (initialDelaySeconds: 0) are kept
 * here because they matter when merging onto an older sidecar, and dropped afterwards like Go does.
 */

export interface TemplateInput {
  /** The Pod without a previous injection (see strip.ts). */
  pod: JsonObject;
  workload: Workload;
  proxyConfig: ProxyConfig;
  config: InjectionConfig;
}

export interface RenderedTemplate {
  /** `{metadata: {labels, annotations}, spec: {initContainers, containers?, volumes}}`. */
  patch: JsonObject;
  native: boolean;
}

const KNOWN_IMAGE_TYPES = ['distroless', 'debug'];

/** `<hub>/proxyv2:<tag>`, with the image type (`distroless`, `debug`, `default`) swapped into the tag. */
export function proxyImage(config: InjectionConfig, imageType: string): string {
  let tag = config.tag;
  if (imageType !== '') {
    const known = KNOWN_IMAGE_TYPES.find((type) => tag.endsWith(`-${type}`));
    if (known) tag = tag.slice(0, -(known.length + 1));
    if (imageType !== 'default') tag = `${tag}-${imageType}`;
  }
  return `${config.hub}/proxyv2:${tag}`;
}

/** The annotation switches native sidecars off only with exactly "false"; empty means the config default. */
export function isNativeSidecar(annotations: Annotations, config: InjectionConfig): boolean {
  return (annotations[A.nativeSidecar] || String(config.nativeSidecars)) !== 'false';
}

function appContainerNames(spec: JsonObject): string[] {
  return asArray(spec['containers'])
    .map((c) => asString(asObject(c)?.['name']) ?? '')
    .filter((name) => name !== PROXY);
}

/**
 * ISTIO_META_POD_PORTS: the template's hand-written JSON list, one port per line. A user's own
 * istio-proxy is left out (istiod counts it when it sits in `containers`), so that re-injection, which
 * finds it among the recorded init container overrides, computes the same list.
 */
function podPorts(spec: JsonObject): string {
  const ports: string[] = [];
  for (const container of asArray(spec['containers'])) {
    if (asObject(container)?.['name'] === PROXY) continue;
    for (const port of asArray(asObject(container)?.['ports'])) {
      if (isJsonObject(port)) ports.push(goJson(goShape(port, 'ContainerPort')));
    }
  }
  return ['[', ...ports.map((port, i) => `    ${i === 0 ? '' : ','}${port}`), ']'].join('\n');
}

function resources(annotations: Annotations, config: InjectionConfig): JsonObject {
  const has = (name: string) => Object.hasOwn(annotations, name);
  const quantity = (name: string) => canonicalQuantity(annotations[name]!) ?? annotations[name]!;
  if (!has(A.proxyCPU) && !has(A.proxyMemory) && !has(A.proxyCPULimit) && !has(A.proxyMemoryLimit)) {
    const out: JsonObject = {};
    if (Object.keys(config.resources.limits).length > 0) out['limits'] = { ...config.resources.limits };
    if (Object.keys(config.resources.requests).length > 0) out['requests'] = { ...config.resources.requests };
    return out;
  }
  const out: JsonObject = {};
  if (has(A.proxyCPULimit) || has(A.proxyMemoryLimit)) {
    const limits: JsonObject = {};
    if (has(A.proxyCPULimit)) limits['cpu'] = quantity(A.proxyCPULimit);
    if (has(A.proxyMemoryLimit)) limits['memory'] = quantity(A.proxyMemoryLimit);
    out['limits'] = limits;
  }
  if (has(A.proxyCPU) || has(A.proxyMemory)) {
    const requests: JsonObject = {};
    if (has(A.proxyCPU)) requests['cpu'] = quantity(A.proxyCPU);
    if (has(A.proxyMemory)) requests['memory'] = quantity(A.proxyMemory);
    out['requests'] = requests;
  }
  return out;
}

function metadataEnv(metadata: Record<string, string>): JsonObject[] {
  return Object.keys(metadata)
    .sort()
    .map((name) => ({ name, value: metadata[name]! }));
}

function fieldRef(name: string, fieldPath: string): JsonObject {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

function resourceRef(name: string, resource: string): JsonObject {
  return { name, valueFrom: { resourceFieldRef: { divisor: '1', resource } } };
}

/** Go's `int` parse of a numeric annotation already validated; Go's YAML reads it as a number. */
function numberOr(annotations: Annotations, name: string, fallback: number): number {
  return Number(annotationOr(annotations, name, fallback));
}

function userJsonMap(annotations: Annotations, name: string): [string, JsonObject][] {
  if (!Object.hasOwn(annotations, name)) return [];
  const parsed = JSON.parse(annotations[name]!) as Record<string, JsonObject>;
  return Object.keys(parsed)
    .sort()
    .map((key) => [key, parsed[key]!]);
}

function initContainer(ctx: Ctx): JsonObject {
  const { annotations, config } = ctx;
  const container: JsonObject = {
    name: INIT,
    image: ctx.image,
    args: iptablesArgs(annotations, config, ctx.mode),
  };
  if (config.imagePullPolicy) container['imagePullPolicy'] = config.imagePullPolicy;
  const metadata = proxyMetadata(ctx.input.proxyConfig);
  if (Object.keys(metadata).length > 0) container['env'] = metadataEnv(metadata);
  container['resources'] = resources(ctx.annotations, ctx.config);
  container['securityContext'] = {
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    readOnlyRootFilesystem: false,
    runAsGroup: 0,
    runAsNonRoot: false,
    runAsUser: 0,
  };
  return container;
}

function proxyEnv(ctx: Ctx): JsonObject[] {
  const { config, input } = ctx;
  const spec = asObject(input.pod['spec']) ?? {};
  const env: JsonObject[] = [
    { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
    { name: 'CA_ADDR', value: config.caAddress },
    fieldRef('POD_NAME', 'metadata.name'),
    fieldRef('POD_NAMESPACE', 'metadata.namespace'),
    fieldRef('INSTANCE_IP', 'status.podIP'),
    fieldRef('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
    fieldRef('HOST_IP', 'status.hostIP'),
    resourceRef('ISTIO_CPU_LIMIT', 'limits.cpu'),
    { name: 'PROXY_CONFIG', value: `${proxyConfigJson(input.proxyConfig)}\n` },
    { name: 'ISTIO_META_POD_PORTS', value: podPorts(spec) },
    { name: 'ISTIO_META_APP_CONTAINERS', value: appContainerNames(spec).join(',') },
    resourceRef('GOMEMLIMIT', 'limits.memory'),
    { name: 'ISTIO_META_CLUSTER_ID', value: config.clusterID || 'Kubernetes' },
    fieldRef('ISTIO_META_NODE_NAME', 'spec.nodeName'),
    { name: 'ISTIO_META_INTERCEPTION_MODE', value: ctx.mode },
  ];
  if (config.network) env.push({ name: 'ISTIO_META_NETWORK', value: config.network });
  if (input.workload.name) env.push({ name: 'ISTIO_META_WORKLOAD_NAME', value: input.workload.name });
  const owner = ownerUri(input.workload);
  if (owner) env.push({ name: 'ISTIO_META_OWNER', value: owner });
  if (Object.hasOwn(ctx.annotations, A.bootstrapOverride)) {
    env.push({ name: 'ISTIO_BOOTSTRAP_OVERRIDE', value: '/etc/istio/custom-bootstrap/custom_bootstrap.json' });
  }
  env.push({ name: 'ISTIO_META_MESH_ID', value: config.meshID || config.trustDomain });
  env.push({ name: 'TRUST_DOMAIN', value: config.trustDomain });
  env.push(...metadataEnv(proxyMetadata(input.proxyConfig)));
  return env;
}

function proxyProbes(ctx: Ctx, container: JsonObject): void {
  const { annotations, config } = ctx;
  if (statusPortOf(annotations, config) === '0') return;
  container['readinessProbe'] = {
    httpGet: { path: '/healthz/ready', port: 15021 },
    initialDelaySeconds: numberOr(annotations, A.readinessInitialDelay, config.readiness.initialDelaySeconds),
    periodSeconds: numberOr(annotations, A.readinessPeriod, config.readiness.periodSeconds),
    timeoutSeconds: 3,
    failureThreshold: numberOr(annotations, A.readinessFailureThreshold, config.readiness.failureThreshold),
  };
  if (config.startupProbe.enabled) {
    container['startupProbe'] = {
      httpGet: { path: '/healthz/ready', port: 15021 },
      initialDelaySeconds: 0,
      periodSeconds: 1,
      timeoutSeconds: 3,
      failureThreshold: config.startupProbe.failureThreshold,
    };
  }
}

function proxySecurityContext(ctx: Ctx): JsonObject {
  const { annotations, config } = ctx;
  const tproxy = ctx.mode === 'TPROXY';
  const bindService = annotationOr(annotations, A.capNetBindService, 'false') === 'true';
  const add = [...(tproxy ? ['NET_ADMIN'] : []), ...(bindService ? ['NET_BIND_SERVICE'] : [])];
  return {
    allowPrivilegeEscalation: false,
    capabilities: add.length > 0 ? { add, drop: ['ALL'] } : { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsGroup: config.proxyGID,
    runAsNonRoot: !tproxy,
    runAsUser: tproxy ? 0 : config.proxyUID,
  };
}

function proxyMounts(ctx: Ctx): JsonObject[] {
  const mounts: JsonObject[] = [
    { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
    { name: 'credential-socket', mountPath: '/var/run/secrets/credential-uds' },
    { name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' },
    { name: 'istiod-ca-cert', mountPath: '/var/run/secrets/istio' },
    { name: 'istio-ca-crl', mountPath: '/var/run/secrets/istio/crl' },
    { name: 'istio-data', mountPath: '/var/lib/istio/data' },
  ];
  if (Object.hasOwn(ctx.annotations, A.bootstrapOverride)) {
    mounts.push({ name: 'custom-bootstrap-volume', mountPath: '/etc/istio/custom-bootstrap' });
  }
  mounts.push(
    { name: 'istio-envoy', mountPath: '/etc/istio/proxy' },
    { name: 'istio-token', mountPath: '/var/run/secrets/tokens' },
    { name: 'istio-podinfo', mountPath: '/etc/istio/pod' },
  );
  for (const [name, mount] of userJsonMap(ctx.annotations, A.userVolumeMount)) mounts.push({ ...mount, name });
  return mounts;
}

function proxyContainer(ctx: Ctx): JsonObject {
  const { annotations, config } = ctx;
  const container: JsonObject = {
    name: PROXY,
    image: ctx.image,
    ports: [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }],
    args: [
      'proxy',
      'sidecar',
      '--domain',
      `$(POD_NAMESPACE).svc.${config.clusterDomain}`,
      `--proxyLogLevel=${annotationOr(annotations, A.logLevel, config.logLevel)}`,
      `--proxyComponentLogLevel=${annotationOr(annotations, A.componentLogLevel, config.componentLogLevel)}`,
      `--log_output_level=${annotationOr(annotations, A.agentLogLevel, config.agentLogLevel)}`,
    ],
  };
  if (ctx.hold) {
    container['lifecycle'] = { postStart: { exec: { command: ['pilot-agent', 'wait'] } } };
  } else if (ctx.native) {
    // Native sidecars stop after the app containers: drain Envoy as soon as Pod shutdown begins.
    container['lifecycle'] = {
      preStop: {
        exec: { command: ['pilot-agent', 'request', `--debug-port=${statusPortOf(annotations, config)}`, 'POST', 'drain'] },
      },
    };
  }
  container['env'] = proxyEnv(ctx);
  if (config.imagePullPolicy) container['imagePullPolicy'] = config.imagePullPolicy;
  proxyProbes(ctx, container);
  container['securityContext'] = proxySecurityContext(ctx);
  if (ctx.native) container['restartPolicy'] = 'Always';
  container['resources'] = resources(ctx.annotations, ctx.config);
  container['volumeMounts'] = proxyMounts(ctx);
  return container;
}

function volumes(ctx: Ctx): JsonObject[] {
  const { annotations, config } = ctx;
  const list: JsonObject[] = [
    { name: 'workload-socket', emptyDir: {} },
    { name: 'credential-socket', emptyDir: {} },
    { name: 'workload-certs', emptyDir: {} },
  ];
  if (Object.hasOwn(annotations, A.bootstrapOverride)) {
    list.push({ name: 'custom-bootstrap-volume', configMap: { name: annotations[A.bootstrapOverride]! } });
  }
  list.push(
    { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
    { name: 'istio-data', emptyDir: {} },
    {
      name: 'istio-podinfo',
      downwardAPI: {
        items: [
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
        ],
      },
    },
    {
      name: 'istio-token',
      projected: { sources: [{ serviceAccountToken: { path: 'istio-token', expirationSeconds: 43200, audience: config.tokenAudience } }] },
    },
    { name: 'istiod-ca-cert', configMap: { name: 'istio-ca-root-cert' } },
    { name: 'istio-ca-crl', configMap: { name: 'istio-ca-crl', optional: true } },
  );
  for (const [name, volume] of userJsonMap(annotations, A.userVolume)) list.push({ name, ...volume });
  return list;
}

interface Ctx {
  input: TemplateInput;
  config: InjectionConfig;
  annotations: Annotations;
  image: string;
  mode: string;
  native: boolean;
  hold: boolean;
}

/** The only Pod labels the template reads (labelsPatch); the template cache keys on these alone. */
export const TEMPLATE_LABELS: readonly string[] = [
  L.tlsMode,
  L.canonicalName,
  'app.kubernetes.io/name',
  'app',
  L.canonicalRevision,
  'app.kubernetes.io/version',
  'version',
];

function labelsPatch(podLabels: unknown, workload: Workload): JsonObject {
  const label = (name: string): string => stringEntry(podLabels, name) ?? '';
  return {
    [L.tlsMode]: label(L.tlsMode) || 'istio',
    [L.canonicalName]: label(L.canonicalName) || label('app.kubernetes.io/name') || label('app') || workload.name,
    [L.canonicalRevision]: label(L.canonicalRevision) || label('app.kubernetes.io/version') || label('version') || 'latest',
  };
}

function annotationsPatch(annotations: Annotations, spec: JsonObject, config: InjectionConfig): JsonObject {
  const out: JsonObject = { [A.rev]: config.revision || 'default' };
  const [first] = appContainerNames(spec);
  if (first !== undefined) {
    if (!Object.hasOwn(annotations, A.defaultLogsContainer)) out[A.defaultLogsContainer] = first;
    if (!Object.hasOwn(annotations, A.defaultContainer)) out[A.defaultContainer] = first;
  }
  return out;
}

export function renderTemplate(input: TemplateInput): RenderedTemplate {
  const { pod, config, proxyConfig } = input;
  const metadata = asObject(pod['metadata']) ?? {};
  const annotations = stringMap(metadata['annotations']);
  const spec = asObject(pod['spec']) ?? {};
  const native = isNativeSidecar(annotations, config);
  const customImage = annotations[A.proxyImage];
  const ctx: Ctx = {
    input,
    config,
    annotations,
    image: customImage?.includes('/')
      ? customImage
      : proxyImage(config, annotationOr(annotations, A.proxyImageType, imageTypeFromProxyConfig(proxyConfig))),
    mode: interceptionMode(annotations, interceptionModeFromProxyConfig(proxyConfig)),
    native,
    hold: (holdFromProxyConfig(proxyConfig) || config.holdApplicationUntilProxyStarts) && !native,
  };
  const initContainers: JsonValue[] = ctx.mode === 'NONE' ? [] : [initContainer(ctx)];
  const proxy = proxyContainer(ctx);
  const patchSpec: JsonObject = native
    ? { initContainers: [...initContainers, proxy] }
    : { initContainers, containers: [proxy] };
  patchSpec['volumes'] = volumes(ctx);
  return {
    native,
    patch: {
      metadata: {
        labels: labelsPatch(metadata['labels'], input.workload),
        annotations: annotationsPatch(annotations, spec, config),
      },
      spec: patchSpec,
    },
  };
}
