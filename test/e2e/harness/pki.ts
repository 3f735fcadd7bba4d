/**
 * Serving certificates for the webhooks the suite runs, issued with ztgate's own PKI code. The CA key
 * stays in this (test) process, so a renewal can issue a new leaf from the same CA, which is what a
 * rotation looks like to the API server: the caBundle it trusts does not change.
 */
import { X509Certificate } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, issueServingCertificate, type CertificatePair } from '../../../src/tls/pki.js';

export interface ServingFiles {
  certFile: string;
  keyFile: string;
  /** SHA-256 fingerprint as node prints it (AA:BB:...). */
  fingerprint: string;
}

export class WebhookPki {
  private constructor(readonly ca: CertificatePair) {}

  static create(commonName: string): WebhookPki {
    return new WebhookPki(createCertificateAuthority({ commonName, validityDays: 30, now: new Date() }));
  }

  writeCa(file: string): void {
    writeFileSync(file, this.ca.certPem);
  }

  /**
   * Writes tls.crt and tls.key into dir, each by rename so a watcher never reads half a file. The key goes
   * first: a server that reloads between the two renames sees a mismatched pair, refuses it and keeps the
   * old one, and the next change event brings the matching certificate.
   */
  writeServing(dir: string, hosts: string[]): ServingFiles {
    const leaf = issueServingCertificate({ ca: this.ca, hosts, validityDays: 7, now: new Date() });
    const certFile = join(dir, 'tls.crt');
    const keyFile = join(dir, 'tls.key');
    const put = (file: string, text: string, mode: number): void => {
      const temporary = `${file}.tmp-${process.pid}`;
      writeFileSync(temporary, text, { mode });
      renameSync(temporary, file);
    };
    put(keyFile, leaf.keyPem, 0o600);
    put(certFile, leaf.certPem, 0o644);
    return { certFile, keyFile, fingerprint: new X509Certificate(leaf.certPem).fingerprint256 };
  }
}
