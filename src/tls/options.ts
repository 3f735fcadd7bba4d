import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import type { SecureContextOptions, Server as TlsServer } from 'node:tls';
import { inspectBundle } from './inspect.js';
import type { CertificateMaterial } from './material.js';
import type { CertificateSource } from './source.js';

export interface TlsOptions {
  /**
   * PEM CA(s) that signed the API server's client certificate. When set, the server asks every
   * client for a certificate and drops connections without one signed by this CA.
   */
  clientCaFile?: string;
}

const MIN_VERSION = 'TLSv1.2';

function readClientCa(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read client CA file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  inspectBundle(text, `client CA file ${file}`);
  return text;
}

/**
 * Everything that goes into a secure context. Server.setSecureContext() rebuilds the context from its
 * argument alone, so a swap that passed only {cert, key} would silently drop the client CA and the
 * minimum version; this function is the one place both paths take them from.
 */
function contextOptions(material: CertificateMaterial, clientCa: string | undefined): SecureContextOptions {
  const options: SecureContextOptions = { cert: material.cert, key: material.key, minVersion: MIN_VERSION };
  if (clientCa !== undefined) options.ca = clientCa;
  return options;
}

/** Options for https.createServer: the source's certificate, TLS 1.2 or newer, optional client certificates. */
export function tlsServerOptions(source: CertificateSource, options: TlsOptions = {}): ServerOptions {
  const clientCa = options.clientCaFile ? readClientCa(options.clientCaFile) : undefined;
  const serverOptions: ServerOptions = { ...contextOptions(source.current(), clientCa) };
  if (clientCa !== undefined) {
    serverOptions.requestCert = true;
    serverOptions.rejectUnauthorized = true;
  }
  return serverOptions;
}

/**
 * Serves every new certificate of `source` to new connections. Open connections keep the context they
 * were accepted with, so a review in flight finishes on the old certificate. Returns the unsubscribe.
 */
export function attachCertificateSource(server: TlsServer, source: CertificateSource, options: TlsOptions = {}): () => void {
  const clientCa = options.clientCaFile ? readClientCa(options.clientCaFile) : undefined;
  return source.onChange(() => server.setSecureContext(contextOptions(source.current(), clientCa)));
}
