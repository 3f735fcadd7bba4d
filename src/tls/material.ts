import {
  CertificateError,
  inspectBundle,
  inspectCertificate,
  keyMatchesCertificate,
  splitPemBundle,
  type CertificateFacts,
} from './inspect.js';

/** What a TLS server serves: PEM certificate (chain), PEM key, and the CA that signed it when known. */
export interface CertificateMaterial {
  cert: string;
  key: string;
  ca?: string;
}

/**
 * Checks a certificate/key pair before it is served: a garbled file, a key from another certificate
 * (cert-manager writes tls.crt and tls.key one after the other) or an expired certificate is refused
 * with a reason, so the caller can keep serving the previous one.
 */
export function checkMaterial(material: CertificateMaterial, now: Date, where: string): CertificateFacts {
  // A chain (leaf first, then intermediates) is fine to serve; the leaf is what the key must match.
  const [leaf] = splitPemBundle(material.cert);
  const facts = inspectCertificate(leaf ?? material.cert, `${where}: certificate`);
  if (!keyMatchesCertificate(facts.pem, material.key)) {
    throw new CertificateError(`${where}: the private key is unreadable or does not belong to the certificate`);
  }
  if (facts.notAfter.getTime() <= now.getTime()) {
    throw new CertificateError(`${where}: the certificate expired at ${facts.notAfter.toISOString()}`);
  }
  if (material.ca !== undefined) inspectBundle(material.ca, `${where}: CA`);
  return facts;
}

export function sameMaterial(a: CertificateMaterial, b: CertificateMaterial): boolean {
  return a.cert === b.cert && a.key === b.key && a.ca === b.ca;
}
