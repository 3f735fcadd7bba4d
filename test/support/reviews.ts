import { resourceInfo } from '../../src/offline/kinds.js';
import type { JsonObject } from '../../src/util/json.js';

export interface ReviewOptions {
  uid?: string;
  operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  namespace?: string;
  name?: string;
  oldObject?: JsonObject;
  userInfo?: { username: string; groups: string[] };
  dryRun?: boolean;
  subResource?: string;
}

const RESOURCES: Record<string, { group: string; version: string; resource: string }> = {
  Pod: { group: '', version: 'v1', resource: 'pods' },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
  Namespace: { group: '', version: 'v1', resource: 'namespaces' },
  ConfigMap: { group: '', version: 'v1', resource: 'configmaps' },
};

/** A Pod with one container; the service account and extra spec fields are the test's choice. */
export function pod(spec: JsonObject = {}, metadata: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'shop', ...metadata },
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0' }], ...spec },
  };
}

/** The AdmissionReview the API server would send for `object`. */
export function reviewOf(object: JsonObject, options: ReviewOptions = {}): JsonObject {
  const kind = String(object['kind']);
  const apiVersion = String(object['apiVersion']);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  // The resource name discovery gives (NetworkPolicy → networkpolicies), as ztgate's offline tables know it.
  const resource = RESOURCES[kind] ?? { group: group!, version: version!, resource: resourceInfo(apiVersion, kind)?.resource ?? `${kind.toLowerCase()}s` };
  const metadata = (object['metadata'] ?? {}) as JsonObject;
  const operation = options.operation ?? 'CREATE';
  const request: JsonObject = {
    uid: options.uid ?? '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: group!, version: version!, kind },
    resource,
    operation,
    userInfo: options.userInfo ?? { username: 'alice', groups: ['system:authenticated'] },
    dryRun: options.dryRun ?? false,
  };
  const namespace = options.namespace ?? (metadata['namespace'] as string | undefined);
  if (namespace) request['namespace'] = namespace;
  const name = options.name ?? (metadata['name'] as string | undefined);
  if (name) request['name'] = name;
  if (options.subResource) request['subResource'] = options.subResource;
  if (operation === 'DELETE') request['oldObject'] = object;
  else request['object'] = object;
  if (options.oldObject) request['oldObject'] = options.oldObject;
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
}
