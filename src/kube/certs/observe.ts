import {
  inspectBundle,
  inspectCertificate,
  isIssuedBy,
  keyMatchesCertificate,
  splitPemBundle,
  type CertificateFacts,
} from '../../tls/inspect.js';
import {
  ANNOTATION_REPLICAS,
  ANNOTATION_ROTATED_AT,
  KEY_CA,
  KEY_CERT,
  KEY_KEY,
  decodeHeartbeats,
  type Heartbeat,
  type SecretRecord,
} from './layout.js';
import type { WebhookReading, WebhookRef } from '../webhook-config.js';

export type CaState =
  | { status: 'missing'; trusted: [] }
  | {
      status: 'invalid';
      problem: string;
      /** CA certificates that could still be read, kept trusted so nothing served falls out of the bundle. */
      trusted: CertificateFacts[];
    }
  | {
      status: 'ok';
      current: CertificateFacts;
      keyPem: string;
      /** ca.crt as read: unreadable blocks and non-CA certificates left out. */
      trusted: CertificateFacts[];
      /** ca.crt was missing or held something other than CA certificates. */
      trustDamaged: boolean;
      rotatedAt?: Date;
    };

export type ServingState =
  | { status: 'missing'; replicas: Record<string, Heartbeat> }
  | { status: 'invalid'; problem: string; replicas: Record<string, Heartbeat> }
  | {
      status: 'ok';
      cert: CertificateFacts;
      certPem: string;
      keyPem: string;
      /** Fingerprint of the trusted CA that signed it; undefined when none did. */
      issuer?: string;
      replicas: Record<string, Heartbeat>;
    };

export interface WebhookState {
  ref: WebhookRef;
  present: boolean;
  /** Per webhook entry: the caBundle's certificate fingerprints, undefined when empty or unreadable. */
  bundles: (string[] | undefined)[];
  /** The CA certificates found in the caBundles: what the API server trusts right now. */
  cas: CertificateFacts[];
}

/** What one replica serves right now, by fingerprint. */
export interface Served {
  cert: string;
  ca: string;
}

export interface Observed {
  now: Date;
  ca: CaState;
  serving: ServingState;
  webhooks: WebhookState[];
  served?: Served;
}

function readable(pem: string, what: string): CertificateFacts | undefined {
  try {
    return inspectCertificate(pem, what);
  } catch {
    return undefined;
  }
}

function parseTrust(text: string | undefined): { trusted: CertificateFacts[]; damaged: boolean } {
  const blocks = splitPemBundle(text ?? '');
  const trusted = blocks.map((block) => readable(block, KEY_CA)).filter((facts): facts is CertificateFacts => facts?.isCa === true);
  return { trusted, damaged: blocks.length === 0 || trusted.length !== blocks.length };
}

export function observeCa(secret: SecretRecord | undefined): CaState {
  if (!secret) return { status: 'missing', trusted: [] };
  const { trusted, damaged } = parseTrust(secret.data[KEY_CA]);
  const certPem = secret.data[KEY_CERT] ?? '';
  const keyPem = secret.data[KEY_KEY] ?? '';
  const current = readable(certPem, KEY_CERT);
  const invalid = (problem: string): CaState => ({
    status: 'invalid',
    problem: `CA Secret ${secret.name}: ${problem}`,
    trusted: current?.isCa && !trusted.some((t) => t.fingerprint === current.fingerprint) ? [current, ...trusted] : trusted,
  });
  if (!current) return invalid(`${KEY_CERT} is missing or not a PEM certificate`);
  if (!current.isCa) return invalid(`${KEY_CERT} is not a CA certificate`);
  if (!keyMatchesCertificate(current.pem, keyPem)) return invalid(`${KEY_KEY} is missing or does not belong to ${KEY_CERT}`);
  const rotated = secret.annotations[ANNOTATION_ROTATED_AT];
  const rotatedAt = rotated ? new Date(rotated) : undefined;
  const state: CaState = { status: 'ok', current, keyPem, trusted, trustDamaged: damaged };
  if (rotatedAt && !Number.isNaN(rotatedAt.getTime())) state.rotatedAt = rotatedAt;
  return state;
}

export function observeServing(secret: SecretRecord | undefined, ca: CaState, now: Date): ServingState {
  if (!secret) return { status: 'missing', replicas: {} };
  const replicas = decodeHeartbeats(secret.annotations[ANNOTATION_REPLICAS]);
  const certPem = secret.data[KEY_CERT] ?? '';
  const keyPem = secret.data[KEY_KEY] ?? '';
  const [leaf] = splitPemBundle(certPem);
  const cert = leaf === undefined ? undefined : readable(leaf, KEY_CERT);
  const invalid = (problem: string): ServingState => ({ status: 'invalid', problem: `serving Secret ${secret.name}: ${problem}`, replicas });
  if (!cert) return invalid(`${KEY_CERT} is missing or not a PEM certificate`);
  if (!keyMatchesCertificate(cert.pem, keyPem)) return invalid(`${KEY_KEY} is missing or does not belong to ${KEY_CERT}`);
  if (cert.notAfter.getTime() <= now.getTime()) return invalid(`${KEY_CERT} expired at ${cert.notAfter.toISOString()}`);
  const candidates = ca.status === 'ok' ? [ca.current, ...ca.trusted] : ca.trusted;
  const issuer = candidates.find((candidate) => isIssuedBy(cert.pem, candidate.pem))?.fingerprint;
  const state: ServingState = { status: 'ok', cert, certPem, keyPem, replicas };
  if (issuer) state.issuer = issuer;
  return state;
}

export function observeWebhook(reading: WebhookReading): WebhookState {
  const cas = new Map<string, CertificateFacts>();
  const bundles = reading.caBundles.map((text) => {
    if (!text) return undefined;
    try {
      const certificates = inspectBundle(text);
      for (const facts of certificates) if (facts.isCa) cas.set(facts.fingerprint, facts);
      return certificates.map((facts) => facts.fingerprint);
    } catch {
      return undefined;
    }
  });
  return { ref: reading.ref, present: reading.present, bundles, cas: [...cas.values()] };
}
