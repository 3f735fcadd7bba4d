import { parseYamlWithUniqueKeys } from '../util/yaml-unique-keys.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../util/json.js';

/**
 * The `proxy.istio.io/config` annotation: a YAML ProxyConfig (istio.io/api mesh/v1alpha1) that overrides
 * the mesh defaults for one Pod. istiod validates it, passes its proxyMetadata to both injected
 * containers and writes the non-default fields to PROXY_CONFIG as protobuf JSON (fields in declaration
 * order, proto3 zero values left out).
 */

type Kind = 'string' | 'int32' | 'duration' | 'int32Wrapper' | 'boolWrapper' | 'enum' | 'stringMap' | 'stringList' | 'message';

interface FieldSpec {
  kind: Kind;
  values?: readonly string[];
}

/** ProxyConfig fields in declaration order (protojson writes them in this order). */
const FIELDS: [string, FieldSpec][] = [
  ['configPath', { kind: 'string' }],
  ['binaryPath', { kind: 'string' }],
  ['serviceCluster', { kind: 'string' }],
  ['drainDuration', { kind: 'duration' }],
  ['parentShutdownDuration', { kind: 'duration' }],
  ['discoveryAddress', { kind: 'string' }],
  ['discoveryRefreshDelay', { kind: 'duration' }],
  ['zipkinAddress', { kind: 'string' }],
  ['statsdUdpAddress', { kind: 'string' }],
  ['envoyMetricsServiceAddress', { kind: 'string' }],
  ['proxyAdminPort', { kind: 'int32' }],
  ['availabilityZone', { kind: 'string' }],
  ['controlPlaneAuthPolicy', { kind: 'enum', values: ['NONE', 'MUTUAL_TLS', 'INHERIT'] }],
  ['customConfigFile', { kind: 'string' }],
  ['statNameLength', { kind: 'int32' }],
  ['concurrency', { kind: 'int32Wrapper' }],
  ['proxyBootstrapTemplatePath', { kind: 'string' }],
  ['interceptionMode', { kind: 'enum', values: ['REDIRECT', 'TPROXY', 'NONE'] }],
  ['tracing', { kind: 'message' }],
  ['sds', { kind: 'message' }],
  ['envoyAccessLogService', { kind: 'message' }],
  ['envoyMetricsService', { kind: 'message' }],
  ['proxyMetadata', { kind: 'stringMap' }],
  ['runtimeValues', { kind: 'stringMap' }],
  ['statusPort', { kind: 'int32' }],
  ['extraStatTags', { kind: 'stringList' }],
  ['gatewayTopology', { kind: 'message' }],
  ['terminationDrainDuration', { kind: 'duration' }],
  ['meshId', { kind: 'string' }],
  ['readinessProbe', { kind: 'message' }],
  ['proxyStatsMatcher', { kind: 'message' }],
  ['holdApplicationUntilProxyStarts', { kind: 'boolWrapper' }],
  ['caCertificatesPem', { kind: 'stringList' }],
  ['image', { kind: 'message' }],
  ['privateKeyProvider', { kind: 'message' }],
  ['proxyHeaders', { kind: 'message' }],
  ['fileFlushInterval', { kind: 'duration' }],
  ['fileFlushMinSizeKb', { kind: 'int32' }],
];
const SPECS = new Map(FIELDS);

/** Values equal to istiod's defaults are left out of PROXY_CONFIG (istiod's cleanProxyConfig). */
const DEFAULTS: Record<string, JsonValue> = {
  configPath: './etc/istio/proxy',
  binaryPath: '/usr/local/bin/envoy',
  serviceCluster: 'istio-proxy',
  drainDuration: '45s',
  terminationDrainDuration: '5s',
  parentShutdownDuration: '60s',
  discoveryAddress: 'istiod.istio-system.svc:15012',
  controlPlaneAuthPolicy: 'MUTUAL_TLS',
  tracing: { zipkin: { address: 'zipkin.istio-system:9411' } },
  proxyAdminPort: 15000,
  statNameLength: 189,
  statusPort: 15020,
  concurrency: 2,
};

export interface ProxyConfig {
  /** Fields as protojson writes them, in declaration order, unknown fields last. */
  fields: JsonObject;
}

export class ProxyConfigError extends Error {
  override name = 'ProxyConfigError';
}

const DURATION = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/;

function duration(value: JsonValue, field: string): string {
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  if (!match) throw new ProxyConfigError(`${field}: expected a duration in seconds such as "45s" or "1.5s"`);
  const [, sign, seconds, fraction = ''] = match;
  const nanos = fraction.replace(/0+$/, '');
  const digits = nanos.length === 0 ? '' : nanos.length <= 3 ? nanos.padEnd(3, '0') : nanos.length <= 6 ? nanos.padEnd(6, '0') : nanos.padEnd(9, '0');
  return `${sign}${BigInt(seconds!)}${digits ? `.${digits}` : ''}s`;
}

function int32(value: JsonValue, field: string): number {
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < -2147483648 || number > 2147483647) {
    throw new ProxyConfigError(`${field}: expected a 32-bit integer`);
  }
  return number;
}

function convert(field: string, spec: FieldSpec, value: JsonValue): JsonValue {
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') throw new ProxyConfigError(`${field}: expected a string`);
      return value;
    case 'int32':
    case 'int32Wrapper':
      return int32(value, field);
    case 'duration':
      return duration(value, field);
    case 'boolWrapper':
      if (typeof value !== 'boolean') throw new ProxyConfigError(`${field}: expected true or false`);
      return value;
    case 'enum': {
      const values = spec.values ?? [];
      const name = typeof value === 'number' ? values[value] : value;
      if (typeof name !== 'string' || !values.includes(name)) {
        throw new ProxyConfigError(`${field}: expected one of ${values.join(', ')}`);
      }
      return name;
    }
    case 'stringMap': {
      if (!isJsonObject(value)) throw new ProxyConfigError(`${field}: expected a map of strings`);
      const out: JsonObject = {};
      for (const key of Object.keys(value).sort()) {
        const item = value[key];
        if (typeof item !== 'string') throw new ProxyConfigError(`${field}.${key}: expected a string`);
        out[key] = item;
      }
      return out;
    }
    case 'stringList':
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
        throw new ProxyConfigError(`${field}: expected a list of strings`);
      }
      return value;
    case 'message':
      if (!isJsonObject(value)) throw new ProxyConfigError(`${field}: expected a map`);
      return value;
  }
}

/** proto3 leaves scalar zero values out of JSON; wrapper types and messages are written when set. */
function isProtoZero(spec: FieldSpec | undefined, value: JsonValue): boolean {
  if (!spec) return false;
  if (spec.kind === 'enum') return value === spec.values?.[0];
  if (spec.kind === 'string') return value === '';
  if (spec.kind === 'int32') return value === 0;
  if (spec.kind === 'stringMap') return isJsonObject(value) && Object.keys(value).length === 0;
  if (spec.kind === 'stringList') return Array.isArray(value) && value.length === 0;
  return false;
}

/** Parses the annotation text; throws ProxyConfigError naming the field on anything istiod would reject. */
export function parseProxyConfig(text: string | undefined): ProxyConfig {
  if (text === undefined) return { fields: {} };
  let raw: unknown;
  try {
    raw = parseYamlWithUniqueKeys(text, { prettyErrors: false });
  } catch (error) {
    throw new ProxyConfigError(`not valid YAML (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  }
  if (raw === null || raw === undefined) return { fields: {} };
  if (!isJsonObject(raw)) throw new ProxyConfigError('expected a YAML map of ProxyConfig fields');
  const converted: JsonObject = {};
  for (const [key, value] of Object.entries(raw)) {
    const spec = SPECS.get(key);
    if (value === null) continue;
    converted[key] = spec ? convert(key, spec, value) : value;
  }
  if (typeof converted['statusPort'] === 'number' && (converted['statusPort'] < 0 || converted['statusPort'] > 65535)) {
    throw new ProxyConfigError('statusPort: expected a port from 0 to 65535');
  }
  if (typeof converted['concurrency'] === 'number' && converted['concurrency'] < 0) {
    throw new ProxyConfigError('concurrency: must not be negative');
  }
  const fields: JsonObject = {};
  for (const [key] of FIELDS) if (Object.hasOwn(converted, key)) fields[key] = converted[key]!;
  for (const [key, value] of Object.entries(converted)) if (!SPECS.has(key)) fields[key] = value;
  return { fields };
}

/** The PROXY_CONFIG value: non-default fields as compact protobuf JSON (`{}` when nothing is set). */
export function proxyConfigJson(config: ProxyConfig): string {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(config.fields)) {
    if (isProtoZero(SPECS.get(key), value)) continue;
    if (Object.hasOwn(DEFAULTS, key) && JSON.stringify(DEFAULTS[key]) === JSON.stringify(value)) continue;
    out[key] = value;
  }
  // protojson, unlike encoding/json, does not escape <, > and &.
  return JSON.stringify(out);
}

export function proxyMetadata(config: ProxyConfig): Record<string, string> {
  const metadata = config.fields['proxyMetadata'];
  return isJsonObject(metadata) ? (metadata as Record<string, string>) : {};
}

export function holdFromProxyConfig(config: ProxyConfig): boolean {
  return config.fields['holdApplicationUntilProxyStarts'] === true;
}

export function interceptionModeFromProxyConfig(config: ProxyConfig): string {
  const mode = config.fields['interceptionMode'];
  return typeof mode === 'string' ? mode : 'REDIRECT';
}

export function imageTypeFromProxyConfig(config: ProxyConfig): string {
  const image = config.fields['image'];
  return isJsonObject(image) && typeof image['imageType'] === 'string' ? image['imageType'] : '';
}
