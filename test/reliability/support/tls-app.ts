import type { AddressInfo } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { buildApp, type AppDeps } from '../../../src/app.js';
import { defaultConfig } from '../../../src/config/parse.js';
import { StaticNamespaceSource } from '../../../src/facts/static.js';
import { Metrics } from '../../../src/http/metrics.js';
import { SERVER_TIMEOUTS, withServerTimeouts, type ServerTimeouts } from '../../../src/http/server-timeouts.js';
import { createLogger } from '../../../src/log/logger.js';
import { memoryCertificateSource } from '../../../src/tls/memory-source.js';
import { attachCertificateSource, tlsServerOptions } from '../../../src/tls/options.js';
import { LogCapture } from '../../support/app.js';
import type { Pki } from './pki.js';

export interface TlsApp {
  port: number;
  server: TlsServer;
  logs: LogCapture;
  close(): Promise<void>;
}

/**
 * The app wired the way `serve` wires it (buildApp, tlsServerOptions, the server timeouts,
 * attachCertificateSource), listening on 127.0.0.1 with a kernel-chosen port.
 */
export async function startTlsApp(pki: Pki, options: { timeouts?: ServerTimeouts; clientCa?: boolean; deps?: Partial<AppDeps> } = {}): Promise<TlsApp> {
  const logs = new LogCapture();
  const source = memoryCertificateSource({ cert: pki.certPem, key: pki.keyPem });
  const tls = options.clientCa ? { clientCaFile: pki.clientCaFile } : {};
  const { app } = buildApp({
    config: () => defaultConfig(),
    namespaces: new StaticNamespaceSource(),
    logger: createLogger({ destination: logs }),
    metrics: new Metrics({ defaultMetrics: false }),
    serverOptions: withServerTimeouts(tlsServerOptions(source, tls), options.timeouts ?? SERVER_TIMEOUTS),
    ...options.deps,
  });
  const server = app.server as unknown as TlsServer;
  attachCertificateSource(server, source, tls);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    port: (app.server.address() as AddressInfo).port,
    server,
    logs,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
      source.close();
    },
  };
}
