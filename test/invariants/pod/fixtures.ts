import type { AdmissionRequest, Operation, UserInfo } from '../../../src/admission/types.js';
import { defaultConfig } from '../../../src/config/parse.js';
import type { Config } from '../../../src/config/types.js';
import { decide } from '../../../src/engine/decide.js';
import { denialLine } from '../../../src/engine/messages.js';
import type { Verdict } from '../../../src/engine/types.js';
import type { JsonObject, JsonValue } from '../../../src/util/json.js';

export const NOW = new Date('2026-09-01T12:00:00Z');
export const NAMESPACE = 'shop';
export const MESH = { 'istio-injection': 'enabled' };

/** A Pod every workload invariant accepts outside a mesh namespace; `cache` is containers[1]. */
export function basePod(): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'api-0', namespace: NAMESPACE, labels: { app: 'api' } },
    spec: {
      serviceAccountName: 'api',
      containers: [
        { name: 'api', image: 'registry.example/api:1.0' },
        { name: 'cache', image: 'registry.example/cache:1.0' },
      ],
    },
  };
}

/** A conforming Pod for a mesh namespace: the base Pod plus a proxy container. */
export function meshPod(): JsonObject {
  return withFields(basePod(), { 'spec.containers[2]': { name: 'istio-proxy', image: 'registry.example/proxyv2:1.0' } });
}

type Step = string | number;

/** Parses the path notation of the messages: `metadata.annotations[a.b/c]`, `spec.containers[1].name`. */
export function parsePath(path: string): Step[] {
  const steps: Step[] = [];
  const pattern = /([^.[\]]+)|\[([^\]]*)\]/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) steps.push(match[1]);
    else steps.push(/^\d+$/.test(match[2]!) ? Number(match[2]) : match[2]!);
  }
  return steps;
}

/**
 * A copy of `object` with each path set to its value (undefined deletes), creating maps and lists on
 * the way, so that test tables name fields exactly as the denial messages do.
 */
export function withFields(object: JsonObject, fields: Record<string, JsonValue | undefined>): JsonObject {
  const copy = structuredClone(object);
  for (const [path, value] of Object.entries(fields)) {
    const steps = parsePath(path);
    let node: Record<string | number, JsonValue> = copy;
    steps.slice(0, -1).forEach((step, i) => {
      const next = steps[i + 1]!;
      node[step] ??= typeof next === 'number' ? [] : {};
      node = node[step] as Record<string | number, JsonValue>;
    });
    const last = steps.at(-1)!;
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return copy;
}

export type ControllerKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'ReplicationController' | 'Job' | 'CronJob';

const CONTROLLERS: Record<ControllerKind, { apiVersion: string; template: string }> = {
  Deployment: { apiVersion: 'apps/v1', template: 'spec.template' },
  StatefulSet: { apiVersion: 'apps/v1', template: 'spec.template' },
  DaemonSet: { apiVersion: 'apps/v1', template: 'spec.template' },
  ReplicaSet: { apiVersion: 'apps/v1', template: 'spec.template' },
  ReplicationController: { apiVersion: 'v1', template: 'spec.template' },
  Job: { apiVersion: 'batch/v1', template: 'spec.template' },
  CronJob: { apiVersion: 'batch/v1', template: 'spec.jobTemplate.spec.template' },
};

/** A controller whose Pod template is `pod` (its labels, annotations and spec). */
export function controllerOf(kind: ControllerKind, pod: JsonObject): JsonObject {
  const { apiVersion, template } = CONTROLLERS[kind];
  const metadata = structuredClone(pod['metadata']) as JsonObject;
  delete metadata['name'];
  delete metadata['namespace'];
  return withFields(
    { apiVersion, kind, metadata: { name: 'api', namespace: NAMESPACE } },
    { [template]: { metadata, spec: structuredClone(pod['spec']) as JsonObject } },
  );
}

/** Where a Pod-relative path (`spec...` or `metadata...`) lands inside the controller's template. */
export function templatePath(kind: ControllerKind, podPath: string): string {
  return `${CONTROLLERS[kind].template}.${podPath}`;
}

const GROUPS: Record<string, string> = { v1: '', 'apps/v1': 'apps', 'batch/v1': 'batch' };

export interface RequestOptions {
  operation?: Operation;
  oldObject?: JsonObject;
  namespace?: string;
  subResource?: string;
  userInfo?: UserInfo;
}

/** The AdmissionRequest the API server would send for `object`. */
export function requestFor(object: JsonObject, options: RequestOptions = {}): AdmissionRequest {
  const kind = String(object['kind']);
  const apiVersion = String(object['apiVersion']);
  const group = GROUPS[apiVersion] ?? apiVersion.split('/')[0]!;
  const version = apiVersion.split('/').at(-1)!;
  const request: AdmissionRequest = {
    uid: 'b9d5f6a2-0000-4000-8000-000000000001',
    kind: { group, version, kind },
    resource: { group, version, resource: `${kind.toLowerCase()}s` },
    name: String((object['metadata'] as JsonObject | undefined)?.['name'] ?? ''),
    namespace: options.namespace ?? NAMESPACE,
    operation: options.operation ?? 'CREATE',
    userInfo: options.userInfo ?? { username: 'alice', groups: ['system:authenticated'] },
    object,
    dryRun: false,
  };
  if (options.oldObject) request.oldObject = options.oldObject;
  if (options.subResource) request.subResource = options.subResource;
  return request;
}

export interface ReviewOptions extends RequestOptions {
  config?: Config;
  namespaceLabels?: Record<string, string>;
  now?: Date;
}

/** decide() on `object` with the default config and an unlabelled namespace unless told otherwise. */
export function review(object: JsonObject, options: ReviewOptions = {}): Verdict {
  return decide(
    requestFor(object, options),
    { namespaceLabels: options.namespaceLabels ?? {}, now: options.now ?? NOW },
    options.config ?? defaultConfig(),
  );
}

/** The one-line denial messages of a verdict, as the API server would show them. */
export function denialMessages(verdict: Verdict): string[] {
  return verdict.denials.map(denialLine);
}
