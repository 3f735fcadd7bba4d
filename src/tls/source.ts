import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { checkMaterial, sameMaterial, type CertificateMaterial } from './material.js';

export type { CertificateMaterial };

/**
 * Where the serving certificate comes from. `current()` is read when a TLS context is built; listeners
 * run after the certificate changed, and the server swaps its secure context (see attachCertificateSource).
 */
export interface CertificateSource {
  current(): CertificateMaterial;
  onChange(listener: () => void): () => void;
  close(): void;
}

/** The subset of pino's Logger used here; a pino logger fits. */
export interface TlsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Listener bookkeeping shared by the sources; one failing listener does not starve the others. */
export class ChangeListeners {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly logger?: TlsLogger) {}

  add(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        this.logger?.warn({ err: error }, 'certificate change listener failed');
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

export interface FileCertificateSourceOptions {
  certFile: string;
  keyFile: string;
  caFile?: string;
  logger?: TlsLogger;
  /** Re-read interval backing up fs.watch; 0 turns polling off. Default 10 s. */
  pollMs?: number;
  /** Called with the reason whenever changed files are refused (for a metrics counter). */
  onReject?: (error: Error) => void;
  now?: () => Date;
}

export type ReloadResult = 'changed' | 'unchanged' | 'rejected';

export interface FileCertificateSource extends CertificateSource {
  /** Re-reads the files now; a refused set keeps the certificate in force. */
  reload(): ReloadResult;
}

function readMaterial(options: FileCertificateSourceOptions): CertificateMaterial {
  const read = (file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  const material: CertificateMaterial = { cert: read(options.certFile), key: read(options.keyFile) };
  if (options.caFile) material.ca = read(options.caFile);
  return material;
}

/**
 * Certificates from files, e.g. a Secret written by cert-manager and mounted into the pod. The kubelet
 * updates mounts by swapping a symlink, which fs.watch may not report; a poll backs the watch up.
 * A file that is missing, garbled, mismatched or expired is refused and the previous certificate stays.
 */
export function fileCertificateSource(options: FileCertificateSourceOptions): FileCertificateSource {
  const now = options.now ?? (() => new Date());
  const where = options.certFile;
  let material = readMaterial(options);
  checkMaterial(material, now(), where);
  const listeners = new ChangeListeners(options.logger);
  let lastRefused: string | undefined;

  const reload = (): ReloadResult => {
    let next: CertificateMaterial;
    try {
      next = readMaterial(options);
      if (sameMaterial(next, material)) return 'unchanged';
      checkMaterial(next, now(), where);
    } catch (error) {
      const reason = (error as Error).message;
      // Polling sees the same bad files again and again; report each distinct problem once.
      if (reason !== lastRefused) {
        lastRefused = reason;
        options.logger?.warn({ certFile: options.certFile, reason }, 'refused new certificate files; keeping the current certificate');
        options.onReject?.(error as Error);
      }
      return 'rejected';
    }
    lastRefused = undefined;
    material = next;
    options.logger?.info({ certFile: options.certFile }, 'loaded new certificate files');
    listeners.emit();
    return 'changed';
  };

  const watchers: FSWatcher[] = [];
  const files = [options.certFile, options.keyFile, ...(options.caFile ? [options.caFile] : [])];
  for (const dir of new Set(files.map((file) => dirname(file)))) {
    try {
      const watcher = watch(dir, { persistent: false }, () => reload());
      watcher.on('error', () => watcher.close());
      watchers.push(watcher);
    } catch {
      // Some file systems cannot be watched; the poll still notices changes.
    }
  }
  const pollMs = options.pollMs ?? 10_000;
  const timer = pollMs > 0 ? setInterval(reload, pollMs) : undefined;
  timer?.unref();

  return {
    current: () => material,
    onChange: (listener) => listeners.add(listener),
    reload,
    close: () => {
      if (timer) clearInterval(timer);
      for (const watcher of watchers) watcher.close();
      listeners.clear();
    },
  };
}
