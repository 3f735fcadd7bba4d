import { parseAllDocuments } from 'yaml';
import type { AdmissionRequest } from '../../src/admission/types.js';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import type { JsonObject, JsonValue } from '../../src/util/json.js';

/** The config of the golden fixtures: pinned hub and tag so a new default release does not churn them. */
export function fixtureConfig(injection: Record<string, unknown> = {}): Config {
  return parseConfig({ injection: { hub: 'docker.io/istio', tag: '1.28.0', ...injection } }, 'test fixture');
}

/** Every non-empty document of a YAML stream, as plain JSON values. */
export function yamlDocuments(text: string): JsonObject[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as JsonValue)
    .filter((value): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value));
}

/** A Pod admission request as the API server sends it; `overrides` replace single fields. */
export function podRequest(object: JsonObject, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: 'test',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'shop',
    operation: 'CREATE',
    userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: [] },
    object,
    dryRun: false,
    ...overrides,
  };
}
