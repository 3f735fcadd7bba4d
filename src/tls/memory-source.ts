import { sameMaterial, type CertificateMaterial } from './material.js';
import { ChangeListeners, type CertificateSource, type TlsLogger } from './source.js';

export interface SettableCertificateSource extends CertificateSource {
  /** Replaces the certificate; listeners run only when it differs. The caller checks it first. */
  set(material: CertificateMaterial): void;
}

/** A certificate held in memory: dev certificates, and the one the in-cluster manager keeps current. */
export function memoryCertificateSource(initial: CertificateMaterial, logger?: TlsLogger): SettableCertificateSource {
  let material = initial;
  const listeners = new ChangeListeners(logger);
  return {
    current: () => material,
    onChange: (listener) => listeners.add(listener),
    set: (next) => {
      if (sameMaterial(next, material)) return;
      material = next;
      listeners.emit();
    },
    close: () => listeners.clear(),
  };
}
