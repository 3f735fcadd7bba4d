import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCertificates } from '../../../src/tls/dev-certs.js';
import { createCertificateAuthority, issueClientCertificate, type CertificatePair } from '../../../src/tls/pki.js';

export interface Pki {
  dir: string;
  /** The CA that signed the serving certificate (what the API server's caBundle holds). */
  caPem: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
  /** The CA that signs the API server's client certificate (for --client-ca). */
  clientCaFile: string;
  apiServerClient: CertificatePair;
  /** A client certificate from an unrelated CA. */
  strangerClient: CertificatePair;
  remove(): void;
}

/** A scratch directory with serving and client certificates, like a cluster's. */
export function makePki(prefix: string): Pki {
  const dir = mkdtempSync(join(tmpdir(), `ztgate-${prefix}-`));
  const now = new Date();
  const serving = generateCertificates(['127.0.0.1'], { now });
  const clientCa = createCertificateAuthority({ commonName: 'front-proxy / API server client CA', validityDays: 30, now });
  const strangerCa = createCertificateAuthority({ commonName: 'stranger CA', validityDays: 30, now });
  const files = {
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
    clientCaFile: join(dir, 'client-ca.crt'),
  };
  writeFileSync(files.caFile, serving.caPem);
  writeFileSync(files.certFile, serving.certPem);
  writeFileSync(files.keyFile, serving.keyPem, { mode: 0o600 });
  writeFileSync(files.clientCaFile, clientCa.certPem);
  return {
    dir,
    caPem: serving.caPem,
    certPem: serving.certPem,
    keyPem: serving.keyPem,
    ...files,
    apiServerClient: issueClientCertificate({ ca: clientCa, commonName: 'kube-apiserver', validityDays: 30, now }),
    strangerClient: issueClientCertificate({ ca: strangerCa, commonName: 'kube-apiserver', validityDays: 30, now }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
