import { X509Certificate, createPrivateKey } from 'node:crypto';
import { canonicalIp, type SubjectAltName } from './hosts.js';

/** What ztgate needs to know about one certificate, as plain data (no handles). */
export interface CertificateFacts {
  pem: string;
  /** SHA-256 of the DER, lower-case hex without colons. */
  fingerprint: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  dnsNames: string[];
  ipAddresses: string[];
}

export class CertificateError extends Error {
  override name = 'CertificateError';
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The certificate blocks of a PEM bundle, normalised to one trailing newline each. */
export function splitPemBundle(text: string): string[] {
  return (text.match(PEM_CERT) ?? []).map((block) => `${block.trim()}\n`);
}

function parse(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new CertificateError(`${what} is not a PEM certificate: ${(error as Error).message}`);
  }
}

function sans(cert: X509Certificate): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const entry of (cert.subjectAltName ?? '').split(', ')) {
    if (entry.startsWith('DNS:')) dnsNames.push(entry.slice(4));
    else if (entry.startsWith('IP Address:')) ipAddresses.push(canonicalIp(entry.slice(11)));
  }
  return { dnsNames, ipAddresses };
}

export function inspectCertificate(pem: string, what = 'certificate'): CertificateFacts {
  const [block, ...rest] = splitPemBundle(pem);
  if (!block) throw new CertificateError(`${what} holds no PEM certificate block`);
  if (rest.length > 0) throw new CertificateError(`${what} holds ${rest.length + 1} certificates, expected one`);
  const cert = parse(block, what);
  return {
    pem: block,
    fingerprint: cert.fingerprint256.replaceAll(':', '').toLowerCase(),
    subject: cert.subject,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    isCa: cert.ca,
    ...sans(cert),
  };
}

/** Every certificate of a bundle; a bundle with no certificate or an unparseable block is an error. */
export function inspectBundle(text: string, what = 'CA bundle'): CertificateFacts[] {
  const blocks = splitPemBundle(text);
  if (blocks.length === 0) throw new CertificateError(`${what} holds no PEM certificate block`);
  return blocks.map((block, i) => inspectCertificate(block, `${what} certificate ${i + 1}`));
}

export function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/** True when `caPem` names the leaf's issuer and its key verifies the leaf's signature. */
export function isIssuedBy(leafPem: string, caPem: string): boolean {
  try {
    const leaf = new X509Certificate(leafPem);
    const ca = new X509Certificate(caPem);
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** Whether every host (DNS name or IP) is among the certificate's SANs. */
export function coversHosts(facts: CertificateFacts, hosts: readonly SubjectAltName[]): boolean {
  return hosts.every((host) =>
    host.type === 'ip' ? facts.ipAddresses.includes(host.value) : facts.dnsNames.includes(host.value),
  );
}
