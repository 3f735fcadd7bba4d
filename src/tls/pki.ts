import { randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { parseHosts } from './hosts.js';

/** A certificate and its private key, both PEM. */
export interface CertificatePair {
  certPem: string;
  keyPem: string;
}

export interface CaOptions {
  commonName: string;
  validityDays: number;
  now: Date;
  keyBits?: number;
}

export interface ServingOptions {
  ca: CertificatePair;
  /** DNS names and IP addresses; the first one is also the subject CN. */
  hosts: readonly string[];
  validityDays: number;
  now: Date;
  keyBits?: number;
}

const DAY_MS = 86_400_000;
// Backdating absorbs clock skew between the node that issues and the API server that verifies.
const BACKDATE_MS = 3_600_000;
const DEFAULT_KEY_BITS = 2048;

// Positive (top bit clear) and non-zero, as RFC 5280 and Go's x509 parser require.
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function keyPair(bits: number | undefined): forge.pki.rsa.KeyPair {
  // forge hands RSA generation to node's native crypto when it exists, so this takes milliseconds.
  return forge.pki.rsa.generateKeyPair({ bits: bits ?? DEFAULT_KEY_BITS, e: 0x10001 });
}

/** Signs `cert` with `signer` and returns it with its own key, as PEM. */
function signed(cert: forge.pki.Certificate, signer: forge.pki.PrivateKey, own: forge.pki.PrivateKey): CertificatePair {
  cert.sign(signer as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  // forge writes CRLF line ends; Kubernetes objects and files read better with LF.
  const lf = (text: string): string => text.replace(/\r\n/g, '\n');
  return { certPem: lf(forge.pki.certificateToPem(cert)), keyPem: lf(forge.pki.privateKeyToPem(own)) };
}

/** A self-signed CA that may only sign leaf certificates (pathLen 0). */
export function createCertificateAuthority(options: CaOptions): CertificatePair {
  const keys = keyPair(options.keyBits);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(options.now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(options.now.getTime() + options.validityDays * DAY_MS);
  const subject = [{ name: 'commonName', value: options.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  return signed(cert, keys.privateKey, keys.privateKey);
}

interface LeafProfile {
  commonName: string;
  extensions: object[];
}

/** A leaf certificate signed by `ca` that never outlives it. */
function issueLeaf(ca: CertificatePair, profile: LeafProfile, options: { validityDays: number; now: Date; keyBits?: number }): CertificatePair {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = keyPair(options.keyBits);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  const notBefore = Math.max(options.now.getTime() - BACKDATE_MS, caCert.validity.notBefore.getTime());
  const notAfter = Math.min(options.now.getTime() + options.validityDays * DAY_MS, caCert.validity.notAfter.getTime());
  cert.validity.notBefore = new Date(notBefore);
  cert.validity.notAfter = new Date(notAfter);
  cert.setSubject([{ name: 'commonName', value: profile.commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    ...profile.extensions,
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  return signed(cert, caKey, keys.privateKey);
}

/** A TLS server certificate for `hosts` (DNS names and IPs as SANs; the first is also the CN). */
export function issueServingCertificate(options: ServingOptions): CertificatePair {
  const sans = parseHosts(options.hosts);
  const first = sans[0];
  if (!first) throw new Error('a serving certificate needs at least one host');
  const altNames = sans.map((san) => (san.type === 'ip' ? { type: 7, ip: san.value } : { type: 2, value: san.value }));
  return issueLeaf(
    options.ca,
    { commonName: first.value, extensions: [{ name: 'extKeyUsage', serverAuth: true }, { name: 'subjectAltName', altNames }] },
    options,
  );
}

/**
 * A TLS client certificate, e.g. for the API server to present to ztgate when client-certificate
 * verification is on (docs/operations.md).
 */
export function issueClientCertificate(options: { ca: CertificatePair; commonName: string; validityDays: number; now: Date; keyBits?: number }): CertificatePair {
  return issueLeaf(options.ca, { commonName: options.commonName, extensions: [{ name: 'extKeyUsage', clientAuth: true }] }, options);
}
