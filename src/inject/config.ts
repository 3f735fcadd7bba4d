import type { ConfigNode } from '../config/reader.js';
import { parseLabelSelector, type LabelSelector } from '../util/label-selector.js';
import { canonicalQuantity } from './quantity.js';
import { checkCidrList, checkIncludeCidrs, checkIncludePorts, checkPortList } from './validate.js';

/**
 * Settings of sidecar injection, under `injection:` in the config file. The defaults are Istio's chart
 * defaults (values.global.proxy and friends), so a Pod injected by ztgate equals one injected by istiod
 * running the same release; `tag` should name the Istio release of the control plane.
 */
export interface InjectionConfig {
  hub: string;
  tag: string;
  revision: string;
  nativeSidecars: boolean;
  holdApplicationUntilProxyStarts: boolean;
  statusPort: number;
  proxyUID: number;
  proxyGID: number;
  trustDomain: string;
  clusterDomain: string;
  caAddress: string;
  /** Audience of the projected ServiceAccount token istio-agent presents to the CA. */
  tokenAudience: string;
  /** values.global.multiCluster.clusterName; empty means `Kubernetes`. */
  clusterID: string;
  /** values.global.meshID; empty means the trust domain. */
  meshID: string;
  /** values.global.network; empty means none. */
  network: string;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  rewriteAppHTTPProbers: boolean;
  /** Pods whose labels match any of these are never injected unless they ask for it explicitly. */
  neverInjectSelector: LabelSelector[];
  /** Pods whose labels match any of these are injected even when the policy is disabled. */
  alwaysInjectSelector: LabelSelector[];
  policy: 'enabled' | 'disabled';
  prometheusMerge: boolean;
  imagePullPolicy: string;
  logLevel: string;
  componentLogLevel: string;
  agentLogLevel: string;
  includeIPRanges: string;
  excludeIPRanges: string;
  includeInboundPorts: string;
  excludeInboundPorts: string;
  includeOutboundPorts: string;
  excludeOutboundPorts: string;
  readiness: { initialDelaySeconds: number; periodSeconds: number; failureThreshold: number };
  startupProbe: { enabled: boolean; failureThreshold: number };
}

/** The Istio release whose proxy image ztgate injects unless `injection.tag` says otherwise. */
export const DEFAULT_ISTIO_TAG = '1.28.0';

const KEYS = [
  'hub',
  'tag',
  'revision',
  'nativeSidecars',
  'holdApplicationUntilProxyStarts',
  'statusPort',
  'proxyUID',
  'proxyGID',
  'trustDomain',
  'clusterDomain',
  'caAddress',
  'tokenAudience',
  'clusterID',
  'meshID',
  'network',
  'resources',
  'rewriteAppHTTPProbers',
  'neverInjectSelector',
  'alwaysInjectSelector',
  'policy',
  'prometheusMerge',
  'imagePullPolicy',
  'logLevel',
  'componentLogLevel',
  'agentLogLevel',
  'includeIPRanges',
  'excludeIPRanges',
  'includeInboundPorts',
  'excludeInboundPorts',
  'includeOutboundPorts',
  'excludeOutboundPorts',
  'readiness',
  'startupProbe',
] as const;

const DNS_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

function nonEmpty(node: ConfigNode, fallback: string, pattern?: RegExp, what?: string): string {
  const value = node.string(fallback);
  if (value.trim() === '') node.fail('must not be empty');
  if (pattern && !pattern.test(value)) node.fail(`expected ${what}, got ${JSON.stringify(value)}`);
  return value;
}

function checked(node: ConfigNode, fallback: string, check: (value: string) => string | undefined): string {
  const value = node.string(fallback);
  const problem = check(value);
  if (problem) node.fail(problem);
  return value;
}

function resourceList(node: ConfigNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, entry] of node.entries()) {
    const text = typeof entry.value === 'number' ? String(entry.value) : entry.string();
    const canonical = canonicalQuantity(text);
    if (canonical === undefined) return entry.fail(`expected a Kubernetes quantity such as 100m or 1Gi, got ${JSON.stringify(text)}`);
    out[name] = canonical;
  }
  return out;
}

function parseResources(node: ConfigNode): InjectionConfig['resources'] {
  if (!node.present) return { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } };
  node.keys(['requests', 'limits']);
  return { requests: resourceList(node.get('requests')), limits: resourceList(node.get('limits')) };
}

function selectors(node: ConfigNode): LabelSelector[] {
  return node.list().map((item) => parseLabelSelector(item));
}

export function parseInjectionConfig(node: ConfigNode): InjectionConfig {
  node.keys(KEYS);
  const readiness = node.get('readiness').keys(['initialDelaySeconds', 'periodSeconds', 'failureThreshold']);
  const startupProbe = node.get('startupProbe').keys(['enabled', 'failureThreshold']);
  return {
    hub: nonEmpty(node.get('hub'), 'docker.io/istio', /^[^\s:]+(:\d+)?(\/[^\s:]+)*$/, 'an image registry path such as docker.io/istio'),
    tag: nonEmpty(node.get('tag'), DEFAULT_ISTIO_TAG, /^[\w][\w.-]{0,127}$/, 'an image tag such as 1.28.0'),
    revision: nonEmpty(node.get('revision'), 'default', /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a revision name such as default or 1-28'),
    nativeSidecars: node.get('nativeSidecars').boolean(true),
    holdApplicationUntilProxyStarts: node.get('holdApplicationUntilProxyStarts').boolean(false),
    statusPort: node.get('statusPort').integer(15020, 0, 65535),
    proxyUID: node.get('proxyUID').integer(1337, 0, 2147483647),
    proxyGID: node.get('proxyGID').integer(1337, 0, 2147483647),
    trustDomain: nonEmpty(node.get('trustDomain'), 'cluster.local', DNS_NAME, 'a trust domain such as cluster.local'),
    clusterDomain: nonEmpty(node.get('clusterDomain'), 'cluster.local', DNS_NAME, 'a DNS domain such as cluster.local'),
    caAddress: nonEmpty(node.get('caAddress'), 'istiod.istio-system.svc:15012', HOST_PORT, 'host:port'),
    tokenAudience: nonEmpty(node.get('tokenAudience'), 'istio-ca'),
    clusterID: node.get('clusterID').string(''),
    meshID: node.get('meshID').string(''),
    network: node.get('network').string(''),
    resources: parseResources(node.get('resources')),
    rewriteAppHTTPProbers: node.get('rewriteAppHTTPProbers').boolean(true),
    neverInjectSelector: selectors(node.get('neverInjectSelector')),
    alwaysInjectSelector: selectors(node.get('alwaysInjectSelector')),
    policy: node.get('policy').oneOf(['enabled', 'disabled'] as const, 'enabled'),
    prometheusMerge: node.get('prometheusMerge').boolean(true),
    imagePullPolicy: node.get('imagePullPolicy').oneOf(['', 'Always', 'IfNotPresent', 'Never'] as const, ''),
    logLevel: nonEmpty(node.get('logLevel'), 'warning'),
    componentLogLevel: nonEmpty(node.get('componentLogLevel'), 'misc:error'),
    agentLogLevel: nonEmpty(node.get('agentLogLevel'), 'default:info'),
    includeIPRanges: checked(node.get('includeIPRanges'), '*', checkIncludeCidrs),
    excludeIPRanges: checked(node.get('excludeIPRanges'), '', checkCidrList),
    includeInboundPorts: checked(node.get('includeInboundPorts'), '*', checkIncludePorts),
    excludeInboundPorts: checked(node.get('excludeInboundPorts'), '', checkPortList),
    includeOutboundPorts: checked(node.get('includeOutboundPorts'), '', checkPortList),
    excludeOutboundPorts: checked(node.get('excludeOutboundPorts'), '', checkPortList),
    readiness: {
      initialDelaySeconds: readiness.get('initialDelaySeconds').integer(0, 0, 4294967295),
      periodSeconds: readiness.get('periodSeconds').integer(15, 1, 4294967295),
      failureThreshold: readiness.get('failureThreshold').integer(4, 1, 4294967295),
    },
    startupProbe: {
      enabled: startupProbe.get('enabled').boolean(true),
      failureThreshold: startupProbe.get('failureThreshold').integer(600, 1, 4294967295),
    },
  };
}
