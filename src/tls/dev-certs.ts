import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHosts } from './hosts.js';
import { coversHosts, inspectCertificate, isIssuedBy } from './inspect.js';
import { checkMaterial } from './material.js';
import { createCertificateAuthority, issueClientCertificate, issueServingCertificate } from './pki.js';

export interface CertificateFiles {
  caPem: string;
  /** Kept in memory only, so a client certificate can be signed by the same CA; never written. */
  caKeyPem?: string;
  certPem: string;
  keyPem: string;
}

export const CERT_FILE_NAMES = { ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' } as const;
export const CLIENT_FILE_NAMES = { cert: 'client.crt', key: 'client.key' } as const;

/** Local callers reach a dev server by these names whatever hosts were asked for. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'] as const;

export interface GenerateOptions {
  now?: Date;
  /** Serving certificate lifetime; the CA lives ten times as long. Default 365. */
  validityDays?: number;
}

/** A fresh CA and a serving certificate for `hosts` plus the loopback names. */
export function generateCertificates(hosts: readonly string[], options: GenerateOptions = {}): CertificateFiles {
  const now = options.now ?? new Date();
  const validityDays = options.validityDays ?? 365;
  const ca = createCertificateAuthority({ commonName: 'ztgate development CA', validityDays: validityDays * 10, now });
  const leaf = issueServingCertificate({ ca, hosts: [...hosts, ...LOOPBACK_HOSTS], validityDays, now });
  return { caPem: ca.certPem, caKeyPem: ca.keyPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
}

/** client.crt and client.key (0600) beside the others, signed by the same CA. */
export function writeClientCertificate(dir: string, files: CertificateFiles, commonName: string, validityDays: number): void {
  if (!files.caKeyPem) throw new Error('internal: the CA key is needed to sign a client certificate');
  const pair = issueClientCertificate({ ca: { certPem: files.caPem, keyPem: files.caKeyPem }, commonName, validityDays, now: new Date() });
  writeAtomic(join(dir, CLIENT_FILE_NAMES.cert), pair.certPem, 0o644);
  writeAtomic(join(dir, CLIENT_FILE_NAMES.key), pair.keyPem, 0o600);
}

// Write then rename, so a server watching the directory never reads half a file.
function writeAtomic(path: string, text: string, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

/** Writes ca.crt, tls.crt and tls.key (0600) into `dir`, creating it. */
export function writeCertificateFiles(dir: string, files: CertificateFiles): void {
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, CERT_FILE_NAMES.ca), files.caPem, 0o644);
  writeAtomic(join(dir, CERT_FILE_NAMES.cert), files.certPem, 0o644);
  writeAtomic(join(dir, CERT_FILE_NAMES.key), files.keyPem, 0o600);
}

/** The files in `dir` when they form a usable set for `hosts`; undefined when anything is off. */
function loadUsable(dir: string, hosts: readonly string[], now: Date): CertificateFiles | undefined {
  try {
    const files: CertificateFiles = {
      caPem: readFileSync(join(dir, CERT_FILE_NAMES.ca), 'utf8'),
      certPem: readFileSync(join(dir, CERT_FILE_NAMES.cert), 'utf8'),
      keyPem: readFileSync(join(dir, CERT_FILE_NAMES.key), 'utf8'),
    };
    const leaf = checkMaterial({ cert: files.certPem, key: files.keyPem }, now, dir);
    const ca = inspectCertificate(files.caPem, `${dir}/${CERT_FILE_NAMES.ca}`);
    const usable =
      ca.notAfter.getTime() > now.getTime() &&
      isIssuedBy(leaf.pem, ca.pem) &&
      coversHosts(leaf, parseHosts([...hosts, ...LOOPBACK_HOSTS]));
    return usable ? files : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Development certificates in `dir`: loads them when they are readable, unexpired, signed by the CA
 * beside them and cover every host; otherwise makes a new CA and serving certificate and writes them.
 */
export async function ensureDevCertificates(
  dir: string,
  hosts: string[],
): Promise<{ caPem: string; certPem: string; keyPem: string; created: boolean }> {
  // Bad hosts are the caller's mistake, not a reason to regenerate: fail before touching the files.
  parseHosts(hosts);
  const now = new Date();
  const existing = loadUsable(dir, hosts, now);
  if (existing) return { ...existing, created: false };
  const { caPem, certPem, keyPem } = generateCertificates(hosts, { now });
  writeCertificateFiles(dir, { caPem, certPem, keyPem });
  return { caPem, certPem, keyPem, created: true };
}
