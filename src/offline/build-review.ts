import type { Operation } from '../admission/types.js';
import { asObject, asString, type JsonObject } from '../util/json.js';
import { resourceInfo, splitApiVersion } from './kinds.js';

export interface ReviewInput {
  object: JsonObject;
  oldObject?: JsonObject;
  operation: Operation;
  username: string;
  groups: string[];
  /** For namespaced objects without metadata.namespace, as kubectl's --namespace would. */
  defaultNamespace: string;
  uid: string;
}

export type BuiltReview =
  | { ok: true; review: JsonObject; namespace: string; name: string }
  | { ok: false; reason: string; unknownKind: boolean };

/** The AdmissionReview the API server would send for this object and operation. */
export function buildReview(input: ReviewInput): BuiltReview {
  const { object } = input;
  const apiVersion = asString(object['apiVersion']);
  const kind = asString(object['kind']);
  // Directories hold more than manifests (kustomize files, config fragments): reported and skipped.
  if (!apiVersion || !kind) return { ok: false, reason: 'not a Kubernetes object (no apiVersion and kind): not checked', unknownKind: false };
  const info = resourceInfo(apiVersion, kind);
  if (!info) return { ok: false, reason: `unknown kind ${kind} (${apiVersion}): not checked`, unknownKind: true };
  const metadata = asObject(object['metadata']) ?? {};
  const name = asString(metadata['name']) ?? '';
  const namespace = info.namespaced ? (asString(metadata['namespace']) ?? input.defaultNamespace) : '';
  const { group, version } = splitApiVersion(apiVersion);
  // The API server fills metadata.namespace before admission; do the same so invariants see it.
  const sent: JsonObject = info.namespaced && !asString(metadata['namespace'])
    ? { ...object, metadata: { ...metadata, namespace } }
    : object;
  const request: JsonObject = {
    uid: input.uid,
    kind: { group, version, kind },
    resource: { group, version, resource: info.resource },
    requestKind: { group, version, kind },
    requestResource: { group, version, resource: info.resource },
    operation: input.operation,
    userInfo: { username: input.username, groups: input.groups },
    dryRun: true,
  };
  if (name) request['name'] = name;
  // A Namespace's own review carries its name as the namespace (kubernetes/kubernetes#95012), so an
  // exception that names the namespace covers it offline as it does in the cluster.
  const requestNamespace = group === '' && kind === 'Namespace' ? name : namespace;
  if (requestNamespace) request['namespace'] = requestNamespace;
  if (input.operation === 'DELETE') request['oldObject'] = sent;
  else request['object'] = sent;
  if (input.oldObject && input.operation === 'UPDATE') request['oldObject'] = input.oldObject;
  return { ok: true, review: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }, namespace, name };
}
