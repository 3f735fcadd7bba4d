/**
 * How ztgate keeps its certificates in Kubernetes. Both Secrets are `kubernetes.io/tls`, so tools that
 * understand TLS Secrets can read them:
 *
 * - the CA Secret: tls.crt/tls.key are the CA that signs new serving certificates; ca.crt is the trust
 *   bundle, i.e. every CA whose certificates may still be served (two during a rollover). The trust
 *   bundle is what goes into the webhook configurations' caBundle.
 * - the serving Secret: tls.crt/tls.key are what every replica serves; ca.crt is the CA that signed it.
 *   Each replica records there which certificate it serves, so a CA rollover knows when the old CA
 *   is no longer needed.
 */
export const SECRET_TYPE = 'kubernetes.io/tls';
export const KEY_CERT = 'tls.crt';
export const KEY_KEY = 'tls.key';
export const KEY_CA = 'ca.crt';

/** When the CA in tls.crt last changed (RFC 3339). */
export const ANNOTATION_ROTATED_AT = 'ztgate.io/ca-rotated-at';
/** JSON map replica name → {cert, ca, at}: what each replica serves, by SHA-256 fingerprint. */
export const ANNOTATION_REPLICAS = 'ztgate.io/replicas';

export const MANAGED_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'ztgate',
  'app.kubernetes.io/managed-by': 'ztgate',
};

/** A Secret as the certificate manager sees it: data already base64-decoded to text. */
export interface SecretRecord {
  name: string;
  type?: string;
  data: Record<string, string>;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  /** Set on what was read; sent back on update so a concurrent writer makes the update fail. */
  resourceVersion?: string;
}

export interface Heartbeat {
  /** Fingerprint of the serving certificate the replica serves. */
  cert: string;
  /** Fingerprint of the CA that signed it. */
  ca: string;
  at: Date;
}

export function encodeHeartbeats(heartbeats: Record<string, Heartbeat>): string {
  const out: Record<string, { cert: string; ca: string; at: string }> = {};
  for (const [replica, beat] of Object.entries(heartbeats).sort(([a], [b]) => a.localeCompare(b))) {
    out[replica] = { cert: beat.cert, ca: beat.ca, at: beat.at.toISOString() };
  }
  return JSON.stringify(out);
}

/** Unreadable entries are dropped: a heartbeat only ever delays pruning, so losing one is safe. */
export function decodeHeartbeats(text: string | undefined): Record<string, Heartbeat> {
  const out: Record<string, Heartbeat> = {};
  if (!text) return out;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return out;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return out;
  for (const [replica, value] of Object.entries(raw as Record<string, unknown>)) {
    const entry = value as { cert?: unknown; ca?: unknown; at?: unknown } | null;
    if (typeof entry?.cert !== 'string' || typeof entry.ca !== 'string' || typeof entry.at !== 'string') continue;
    const at = new Date(entry.at);
    if (!Number.isNaN(at.getTime())) out[replica] = { cert: entry.cert, ca: entry.ca, at };
  }
  return out;
}
