import { createHash } from 'node:crypto';

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
