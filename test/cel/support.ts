import { isCelList, isCelMap, isCelUint, type CelResult } from '@bufbuild/cel';
import type { AdmissionRequest } from '../../src/admission/types.js';
import type { RuleLimits } from '../../src/cel/budget.js';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { buildContext } from '../../src/engine/decide.js';
import type { CheckContext, Facts } from '../../src/engine/types.js';
import type { JsonObject } from '../../src/util/json.js';

export interface RequestOptions {
  operation?: AdmissionRequest['operation'];
  namespace?: string;
  oldObject?: JsonObject;
  userInfo?: AdmissionRequest['userInfo'];
  subResource?: string;
  group?: string;
  resource?: string;
}

/** Plural resource names for the kinds the tests and examples use. */
const RESOURCES: Record<string, string> = {
  Pod: 'pods',
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  Service: 'services',
  ServiceAccount: 'serviceaccounts',
  ConfigMap: 'configmaps',
  Namespace: 'namespaces',
  Ingress: 'ingresses',
  NetworkPolicy: 'networkpolicies',
  Job: 'jobs',
  CronJob: 'cronjobs',
};

export function resourceOf(kind: string): string {
  const resource = RESOURCES[kind];
  if (!resource) throw new Error(`test support: add the resource name of kind ${kind}`);
  return resource;
}

/** An admission request for a manifest, as the API server would send it. */
export function requestFor(object: JsonObject, options: RequestOptions = {}): AdmissionRequest {
  const apiVersion = String(object['apiVersion'] ?? 'v1');
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const kind = String(object['kind']);
  const metadata = (object['metadata'] ?? {}) as JsonObject;
  const gvr = { group: options.group ?? group!, version: version!, resource: options.resource ?? resourceOf(kind) };
  const request: AdmissionRequest = {
    uid: 'test-uid',
    kind: { group: options.group ?? group!, version: version!, kind },
    resource: gvr,
    name: String(metadata['name'] ?? ''),
    operation: options.operation ?? 'CREATE',
    userInfo: options.userInfo ?? { username: 'alice@example.com', groups: ['system:authenticated', 'dev'] },
    object,
    dryRun: false,
  };
  const namespace = options.namespace ?? (metadata['namespace'] as string | undefined);
  if (namespace !== undefined) request.namespace = namespace;
  if (options.oldObject) request.oldObject = options.oldObject;
  if (options.subResource) request.subResource = options.subResource;
  return request;
}

export function facts(namespaceObject?: JsonObject): Facts {
  const labels = ((namespaceObject?.['metadata'] as JsonObject | undefined)?.['labels'] ?? {}) as Record<string, string>;
  const out: Facts = { namespaceLabels: labels, now: new Date('2026-01-15T12:00:00Z') };
  if (namespaceObject) out.namespaceObject = namespaceObject;
  return out;
}

export function configWithRules(rules: unknown[], extra: Record<string, unknown> = {}): Config {
  return parseConfig({ rules, ...extra }, 'test config');
}

/**
 * The config with other rule limits. (The config file's `ruleLimits:` section reaches parseRules once
 * parse.ts passes it on; until then tests set limits here.)
 */
export function withRuleLimits(config: Config, limits: Partial<RuleLimits>): Config {
  return { ...config, rules: { ...config.rules, limits: { ...config.rules.limits, ...limits } } };
}

export function contextFor(request: AdmissionRequest, config: Config, namespaceObject?: JsonObject): CheckContext {
  return buildContext(request, facts(namespaceObject), config);
}

/** A CEL result as plain data for deepEqual: lists become arrays and maps objects. */
export function plain(value: CelResult | undefined): unknown {
  if (isCelList(value)) return [...value].map(plain);
  if (isCelUint(value)) return { uint: value.value };
  if (isCelMap(value)) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), plain(v)]));
  return value;
}
