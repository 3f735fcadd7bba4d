import { createHash } from 'node:crypto';
import { asObject, asString, type JsonObject } from '../util/json.js';

export const SERVICE_ACCOUNT_LABEL = 'ztgate.io/service-account';
export const SPIFFE_ANNOTATION = 'ztgate.io/spiffe-id';
export const QUARANTINE_LABEL = 'ztgate.io/quarantine';

const MAX_LABEL_VALUE = 63;
const HASH_LENGTH = 10;

/**
 * The label value Calico matches for a ServiceAccount. ServiceAccount names may be up to 253 characters
 * but label values only 63, so long names keep a readable prefix plus a hash of the whole name: stable
 * across releases (documented in docs/injection.md) and distinct for names that share the prefix.
 */
export function serviceAccountLabelValue(serviceAccountName: string): string {
  if (serviceAccountName.length <= MAX_LABEL_VALUE) return serviceAccountName;
  const hash = createHash('sha256').update(serviceAccountName).digest('hex').slice(0, HASH_LENGTH);
  const prefix = serviceAccountName.slice(0, MAX_LABEL_VALUE - HASH_LENGTH - 1).replace(/[^a-z0-9]+$/, '');
  return `${prefix}-${hash}`;
}

export function spiffeId(trustDomain: string, namespace: string, serviceAccountName: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccountName}`;
}

/** The ServiceAccount a Pod runs as: the admission plugin sets `default` before webhooks run. */
export function serviceAccountOf(pod: JsonObject): string {
  const spec = asObject(pod['spec']);
  return asString(spec?.['serviceAccountName']) || asString(spec?.['serviceAccount']) || 'default';
}

/**
 * Stamps the identity Calico policies select on (the ServiceAccount label) and the SPIFFE identity the
 * mesh will give the Pod. Namespace labels are not copied: Calico selects namespaces by their own labels.
 */
export function applyIdentity(pod: JsonObject, namespace: string, trustDomain: string): void {
  const serviceAccount = serviceAccountOf(pod);
  const metadata = (pod['metadata'] = asObject(pod['metadata']) ?? {});
  const labels = (metadata['labels'] = asObject(metadata['labels']) ?? {});
  labels[SERVICE_ACCOUNT_LABEL] = serviceAccountLabelValue(serviceAccount);
  const annotations = (metadata['annotations'] = asObject(metadata['annotations']) ?? {});
  annotations[SPIFFE_ANNOTATION] = spiffeId(trustDomain, namespace, serviceAccount);
}
