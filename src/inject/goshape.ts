import { canonicalResourceList } from './quantity.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../util/json.js';

/**
 * The shape Go's encoding/json gives core/v1 containers: fields in struct order, `omitempty` zero values
 * dropped, quantities canonical. istiod serialises injected containers and the JSON it stores in
 * annotations (`proxy.istio.io/overrides`, `ISTIO_KUBE_APP_PROBERS`) this way, so reproducing its
 * output byte for byte needs the same field order and the same dropped zeros.
 */

interface Field {
  name: string;
  /** A non-pointer struct: Go always writes it, `{}` when unset. */
  always?: boolean;
  /** Nested type, for objects or list items. */
  type?: string;
  /** `omitempty` on a non-pointer: the zero value ("", 0, false, empty list or map) is dropped. */
  omitEmpty?: boolean;
  list?: boolean;
}

const f = (name: string, type?: string, flags: Partial<Omit<Field, 'name' | 'type'>> = {}): Field => ({
  name,
  ...(type ? { type } : {}),
  ...flags,
});
const opt = (name: string): Field => ({ name, omitEmpty: true });
const optList = (name: string, type?: string): Field => ({ name, omitEmpty: true, list: true, ...(type ? { type } : {}) });

const TYPES: Record<string, Field[]> = {
  Container: [
    f('name'),
    opt('image'),
    optList('command'),
    optList('args'),
    opt('workingDir'),
    optList('ports', 'ContainerPort'),
    optList('envFrom'),
    optList('env', 'EnvVar'),
    f('resources', 'ResourceRequirements', { always: true }),
    optList('resizePolicy'),
    f('restartPolicy'),
    optList('restartPolicyRules'),
    optList('volumeMounts', 'VolumeMount'),
    optList('volumeDevices'),
    f('livenessProbe', 'Probe'),
    f('readinessProbe', 'Probe'),
    f('startupProbe', 'Probe'),
    f('lifecycle', 'Lifecycle'),
    opt('terminationMessagePath'),
    opt('terminationMessagePolicy'),
    opt('imagePullPolicy'),
    f('securityContext', 'SecurityContext'),
    opt('stdin'),
    opt('stdinOnce'),
    opt('tty'),
  ],
  ContainerPort: [opt('name'), opt('hostPort'), f('containerPort'), opt('protocol'), opt('hostIP')],
  EnvVar: [f('name'), opt('value'), f('valueFrom', 'EnvVarSource')],
  EnvVarSource: [
    f('fieldRef', 'ObjectFieldSelector'),
    f('resourceFieldRef', 'ResourceFieldSelector'),
    f('configMapKeyRef'),
    f('secretKeyRef'),
    f('fileKeyRef'),
  ],
  ObjectFieldSelector: [opt('apiVersion'), f('fieldPath')],
  ResourceFieldSelector: [opt('containerName'), f('resource'), f('divisor', 'Quantity')],
  ResourceRequirements: [f('limits', 'ResourceList', { omitEmpty: true }), f('requests', 'ResourceList', { omitEmpty: true }), optList('claims')],
  VolumeMount: [f('name'), opt('readOnly'), f('recursiveReadOnly'), f('mountPath'), opt('subPath'), f('mountPropagation'), opt('subPathExpr')],
  Probe: [
    f('exec', 'ExecAction'),
    f('httpGet', 'HTTPGetAction'),
    f('tcpSocket', 'TCPSocketAction'),
    f('grpc', 'GRPCAction'),
    opt('initialDelaySeconds'),
    opt('timeoutSeconds'),
    opt('periodSeconds'),
    opt('successThreshold'),
    opt('failureThreshold'),
    f('terminationGracePeriodSeconds'),
  ],
  Lifecycle: [f('postStart', 'LifecycleHandler'), f('preStop', 'LifecycleHandler'), f('stopSignal')],
  LifecycleHandler: [f('exec', 'ExecAction'), f('httpGet', 'HTTPGetAction'), f('tcpSocket', 'TCPSocketAction'), f('sleep')],
  ExecAction: [optList('command')],
  HTTPGetAction: [opt('path'), f('port'), opt('host'), opt('scheme'), optList('httpHeaders', 'HTTPHeader')],
  HTTPHeader: [f('name'), f('value')],
  TCPSocketAction: [f('port'), opt('host')],
  // `service` is a pointer without omitempty: Go writes null when it is unset.
  GRPCAction: [f('port'), f('service')],
  SecurityContext: [
    f('capabilities', 'Capabilities'),
    f('privileged'),
    f('seLinuxOptions'),
    f('windowsOptions'),
    f('runAsUser'),
    f('runAsGroup'),
    f('runAsNonRoot'),
    f('readOnlyRootFilesystem'),
    f('allowPrivilegeEscalation'),
    f('procMount'),
    f('seccompProfile'),
    f('appArmorProfile'),
  ],
  Capabilities: [optList('add'), optList('drop')],
  /** istio-agent's prober: pilot/cmd/pilot-agent/status. */
  Prober: [f('httpGet', 'HTTPGetAction'), f('tcpSocket', 'TCPSocketAction'), f('grpc', 'GRPCAction'), opt('timeoutSeconds')],
};

/** Each type's field names, for telling its unknown fields apart. */
const KNOWN: Record<string, ReadonlySet<string>> = Object.fromEntries(
  Object.entries(TYPES).map(([type, fields]) => [type, new Set(fields.map((field) => field.name))]),
);

function isEmpty(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0;
}

function shapeValue(value: JsonValue, type: string | undefined): JsonValue {
  if (type === 'ResourceList' && isJsonObject(value)) return canonicalResourceList(value) as JsonObject;
  if (type === 'Quantity' && (typeof value === 'string' || typeof value === 'number')) {
    return canonicalResourceList({ q: value })['q'] as JsonValue;
  }
  if (Array.isArray(value)) return value.map((item) => shapeValue(item, type));
  if (type && isJsonObject(value)) return goShape(value, type);
  return value;
}

/**
 * `value` as Go would marshal the named core/v1 type: known fields in struct order, `omitempty` zeros
 * and nulls dropped, then fields unknown to this table in their original order (Go would drop those;
 * keeping them never loses a user's setting).
 */
export function goShape(value: JsonObject, type: string): JsonObject {
  const fields = TYPES[type];
  if (!fields) return value;
  const out: JsonObject = {};
  const grpc = type === 'GRPCAction';
  for (const field of fields) {
    const name = field.name;
    const raw = value[name];
    if (raw === undefined && !Object.hasOwn(value, name)) {
      if (field.always) out[name] = {};
      continue;
    }
    if (raw === null) {
      if (grpc && name === 'service') out[name] = null;
      continue;
    }
    if (field.omitEmpty && isEmpty(raw)) continue;
    out[name] = field.type === undefined && typeof raw !== 'object' ? raw! : shapeValue(raw!, field.type);
  }
  if (grpc && !Object.hasOwn(out, 'service')) out['service'] = null;
  const known = KNOWN[type]!;
  for (const key of Object.keys(value)) {
    if (known.has(key)) continue;
    const raw = value[key]!;
    if (raw !== null) out[key] = raw;
  }
  return out;
}

const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/**
 * Go's json.Marshal of a value whose object keys are already in the wanted order. Go escapes <, > and &
 * (and U+2028/2029) even inside strings; those characters only ever appear inside strings in JSON text.
 */
export function goJson(value: JsonValue): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => GO_ESCAPES[char] ?? char);
}
