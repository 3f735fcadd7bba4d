import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { apiStatus, conditionalWrite } from './api-status.js';
import type { SecretRecord } from './layout.js';

/** The client-node calls the certificate manager makes on Secrets; tests pass a recorded fake. */
export type SecretApi = Pick<CoreV1Api, 'readNamespacedSecret' | 'createNamespacedSecret' | 'replaceNamespacedSecret'>;

export interface SecretClient {
  read(name: string): Promise<SecretRecord | undefined>;
  /** `exists` when another replica created it first. */
  create(secret: SecretRecord): Promise<'created' | 'exists'>;
  /** `conflict` when the Secret changed since it was read (resourceVersion), `missing` when deleted. */
  update(secret: SecretRecord): Promise<'updated' | 'conflict' | 'missing'>;
}

function decode(data: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data ?? {})) out[key] = Buffer.from(value, 'base64').toString('utf8');
  return out;
}

function encode(data: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) out[key] = Buffer.from(value, 'utf8').toString('base64');
  return out;
}

function toRecord(secret: V1Secret, name: string): SecretRecord {
  const record: SecretRecord = {
    name: secret.metadata?.name ?? name,
    data: decode(secret.data),
    annotations: { ...secret.metadata?.annotations },
    labels: { ...secret.metadata?.labels },
  };
  if (secret.type !== undefined) record.type = secret.type;
  if (secret.metadata?.resourceVersion !== undefined) record.resourceVersion = secret.metadata.resourceVersion;
  return record;
}

function toSecret(record: SecretRecord, namespace: string): V1Secret {
  const secret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: record.name, namespace, annotations: record.annotations, labels: record.labels },
    data: encode(record.data),
  };
  if (record.type !== undefined) secret.type = record.type;
  if (record.resourceVersion !== undefined) secret.metadata!.resourceVersion = record.resourceVersion;
  return secret;
}

export function secretClient(api: SecretApi, namespace: string): SecretClient {
  return {
    async read(name) {
      try {
        return toRecord(await api.readNamespacedSecret({ name, namespace }), name);
      } catch (error) {
        if (apiStatus(error) === 404) return undefined;
        throw error;
      }
    },
    create: (record) =>
      conditionalWrite(() => api.createNamespacedSecret({ namespace, body: toSecret(record, namespace) }), 'created', { 409: 'exists' }),
    update: (record) =>
      conditionalWrite(
        () => api.replaceNamespacedSecret({ name: record.name, namespace, body: toSecret(record, namespace) }),
        'updated',
        { 404: 'missing', 409: 'conflict' },
      ),
  };
}
