import { BOOL, DYN, INT, STRING, listOf, mapOf, primitive, type Type } from './types.js';

/**
 * The types Kubernetes declares for a ValidatingAdmissionPolicy's variables when it compiles an expression
 * (k8s.io/apiserver, pkg/admission/plugin/cel/compile.go): `object`, `oldObject` and `params` are dyn,
 * `request` and `namespaceObject` are objects with these fields, so `request.operation == 1` and
 * `request.uid` are refused there, and here.
 */
const object = (name: string, fields: Record<string, Type>): Type => ({ kind: 'object', name, fields: new Map(Object.entries(fields)) });

const groupVersionKind = object('kubernetes.GroupVersionKind', { group: STRING, version: STRING, kind: STRING });
const groupVersionResource = object('kubernetes.GroupVersionResource', { group: STRING, version: STRING, resource: STRING });
const stringList = listOf(STRING);

export const REQUEST_TYPE: Type = object('kubernetes.AdmissionRequest', {
  kind: groupVersionKind,
  resource: groupVersionResource,
  subResource: STRING,
  requestKind: groupVersionKind,
  requestResource: groupVersionResource,
  requestSubResource: STRING,
  name: STRING,
  namespace: STRING,
  operation: STRING,
  userInfo: object('kubernetes.UserInfo', { username: STRING, uid: STRING, groups: stringList, extra: mapOf(STRING, stringList) }),
  dryRun: BOOL,
  options: DYN,
});

// Kubernetes declares the timestamps as timestamps but evaluates the Namespace as the API returns it, with
// RFC 3339 strings there (objectToResolveVal), as ztgate does: `creationTimestamp == ''` is refused at
// creation, and `creationTimestamp < timestamp(...)` loads and fails when run, in both.
const TIMESTAMP = primitive('timestamp');
export const NAMESPACE_TYPE: Type = object('kubernetes.Namespace', {
  metadata: object('kubernetes.NamespaceMetadata', {
    name: STRING,
    generateName: STRING,
    namespace: STRING,
    labels: mapOf(STRING, STRING),
    annotations: mapOf(STRING, STRING),
    UID: STRING,
    creationTimestamp: TIMESTAMP,
    deletionGracePeriodSeconds: INT,
    deletionTimestamp: TIMESTAMP,
    generation: INT,
    resourceVersion: STRING,
    finalizers: stringList,
  }),
  spec: object('kubernetes.NamespaceSpec', { finalizers: stringList }),
  status: object('kubernetes.NamespaceStatus', {
    conditions: listOf(object('kubernetes.NamespaceCondition', { status: STRING, type: STRING, lastTransitionTime: TIMESTAMP, message: STRING, reason: STRING })),
    phase: STRING,
  }),
});

export const ROOT_VARIABLE_TYPES: ReadonlyMap<string, Type> = new Map([
  ['object', DYN],
  ['oldObject', DYN],
  ['params', DYN],
  ['request', REQUEST_TYPE],
  ['namespaceObject', NAMESPACE_TYPE],
]);
