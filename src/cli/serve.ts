import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { KubeConfig } from '@kubernetes/client-node';
import { buildApp } from '../app.js';
import { parseDuration, ConfigNode } from '../config/reader.js';
import type { Config } from '../config/types.js';
import { ConfigStore, resolveConfigPath } from '../config/store.js';
import { createMetricsServer } from '../http/metrics-server.js';
import { Metrics } from '../http/metrics.js';
import { LoadShedder } from '../http/load-shedding.js';
import { auditObserver } from '../http/audit-observer.js';
import { createAuditSink, type AuditSink } from '../audit/sink.js';
// @kubernetes/client-node costs ~75 MB of RSS: the kube modules are imported only when a cluster is watched or certificates are managed.
import type { InformerNamespaceSource } from '../kube/namespace-informer.js';
import type { RegistrationCheck } from '../kube/registration-check.js';
import { createLogger, type Logger } from '../log/logger.js';
import { ensureDevCertificates } from '../tls/dev-certs.js';
import { fileCertificateSource, type CertificateSource } from '../tls/source.js';
import { attachCertificateSource, tlsServerOptions } from '../tls/options.js';
import { withServerTimeouts } from '../http/server-timeouts.js';
import type { Server as TlsServer } from 'node:tls';
import { parseFlags } from './args.js';
import { limitHeapGrowth } from './heap.js';
import { UsageError, type Command } from './command.js';
import { loadNamespaceFile } from './namespaces.js';
import { logConfigNotices } from './config-notices.js';
import { ztgateVersion } from './version.js';
import { join } from 'node:path';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the admission webhook over HTTPS',
  help: `Usage: ztgate serve [options]

Serves POST /validate/fail, /validate/ignore (the path of each validating webhook's failurePolicy),
/validate and /mutate (AdmissionReview v1), GET /healthz and GET /readyz over HTTPS,
and GET /metrics (plus /healthz and /readyz for kubelet probes) over plain HTTP on a separate port.

Options:
  --config FILE          config file, reloaded on change (default: $ZTGATE_CONFIG, else embedded default)
  --host ADDR            listen address (default 127.0.0.1; 0.0.0.0 in a cluster)
  --port N               HTTPS port (default 8443)
  --metrics-host ADDR    metrics listen address (default: same as --host)
  --metrics-port N       metrics port (default 9090; 0 picks a free one)
  --tls-cert FILE        serving certificate (PEM), watched and hot-reloaded
  --tls-key FILE         its private key (PEM)
  --client-ca FILE       require client certificates signed by this CA (the API server's)
  --dev-certs DIR        create (once) and use a dev CA and certificate in DIR
  --manage-certs         in a cluster: keep the CA and serving certificate in Secrets, rotate them and
                         keep the webhook configurations' caBundle right (needs POD_NAME, POD_NAMESPACE)
  --namespaces FILE      Namespace manifests for namespace labels (offline)
  --kubeconfig FILE      watch Namespaces through this kubeconfig (in a Pod: the in-cluster config)
  --shutdown-delay DUR   after SIGTERM, stay up unready this long before closing (default 3s)
  --registration-check DUR
                         with cluster access: compare the registered webhook configurations with what
                         the config renders this often, and on every config reload; 0s turns it off
                         (default 60s; findings go to the log, /readyz and a metric, never unready)

Examples:
  ztgate serve --dev-certs certs
  ztgate serve --tls-cert /tls/tls.crt --tls-key /tls/tls.key --host 0.0.0.0 --config /etc/ztgate/config.yaml`,
  async run(args, io) {
    limitHeapGrowth();
    const { values } = parseFlags(args, {
      config: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8443' },
      'metrics-host': { type: 'string' },
      'metrics-port': { type: 'string', default: '9090' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'client-ca': { type: 'string' },
      'dev-certs': { type: 'string' },
      namespaces: { type: 'string' },
      kubeconfig: { type: 'string' },
      'shutdown-delay': { type: 'string', default: '3s' },
      'registration-check': { type: 'string', default: '60s' },
      'manage-certs': { type: 'boolean', default: false },
    });
    const port = portFlag('--port', values.port);
    const metricsPort = portFlag('--metrics-port', values['metrics-port']);
    const shutdownDelayMs = parseDuration(new ConfigNode(values['shutdown-delay'], '--shutdown-delay'), 3000, 0, 120_000);
    const registrationCheckMs = parseDuration(new ConfigNode(values['registration-check'], '--registration-check'), 60_000, 0, 86_400_000);
    const logger = createLogger();
    const metrics = new Metrics();
    metrics.buildInfo.set({ version: ztgateVersion(), node: process.version }, 1);

    let audit: AuditSink | undefined;
    let registration: RegistrationCheck | undefined;
    const store = new ConfigStore(resolveConfigPath(values.config, io.env), {
      applied: (config) => {
        if (audit && config.audit.file !== auditFile) {
          const previous = audit;
          auditFile = config.audit.file;
          audit = createAuditSink(auditFile ? { logger, file: auditFile } : { logger });
          void previous.close();
        }
        metrics.configReloads.inc({ result: 'applied' });
        metrics.ruleLoadErrors.set(config.rules.loadErrors.length);
        logger.info({ source: config.source }, 'config reloaded');
        logConfigNotices(logger, config);
        void registration?.check();
      },
      rejected: (error) => {
        metrics.configReloads.inc({ result: 'rejected' });
        logger.error({ error: error.message }, 'new config rejected; the previous config stays in force');
      },
    });
    let auditFile = store.current.audit.file;
    audit = createAuditSink(auditFile ? { logger, file: auditFile } : { logger });
    store.watch();
    metrics.ruleLoadErrors.set(store.current.rules.loadErrors.length);
    logConfigNotices(logger, store.current);

    const kubeConfig = await clusterConfig(values['kubeconfig'], io.env);
    const certificates = await certificateSource(values, logger, io.env, kubeConfig, metrics);
    const informer: InformerNamespaceSource | undefined = kubeConfig
      ? startInformer(new (await import('../kube/namespace-informer.js')).InformerNamespaceSource(kubeConfig, logger), logger)
      : undefined;
    const namespaces = informer ?? loadNamespaceFile(values.namespaces);
    const clusterRules = kubeConfig ? startInformer(new (await import('../kube/rule-informer.js')).ClusterRuleSource(kubeConfig, logger), logger) : undefined;
    const currentConfig = clusterRules ? () => clusterRules.effective(store.current) : () => store.current;
    if (kubeConfig && registrationCheckMs > 0) {
      registration = await registrationCheck(kubeConfig, () => store.current, logger, metrics, registrationCheckMs);
    }
    const shedder = new LoadShedder();
    const tlsOptions = values['client-ca'] ? { clientCaFile: values['client-ca'] } : {};
    const { app, startDraining, readiness } = buildApp({
      shedder,
      config: currentConfig,
      namespaces,
      ...(clusterRules ? { clusterRules } : {}),
      ...(registration ? { registration } : {}),
      observer: auditObserver(() => audit!),
      logger,
      metrics,
      certificatesLoaded: () => true,
      // Handshake, header, request and keep-alive limits sized to the API server's client (server-timeouts.ts).
      serverOptions: withServerTimeouts(tlsServerOptions(certificates, tlsOptions)),
    });
    attachCertificateSource(app.server as unknown as TlsServer, certificates, tlsOptions);
    certificates.onChange(() => logger.info('serving certificate reloaded for new connections'));

    const metricsServer = createMetricsServer(metrics, { readiness });
    metricsServer.listen(metricsPort, values['metrics-host'] ?? values.host);
    await once(metricsServer, 'listening');
    await app.listen({ host: values.host, port });
    registration?.start();
    const address = app.server.address() as AddressInfo;
    logger.info(
      { version: ztgateVersion(), url: `https://${values.host}:${address.port}`, metricsPort: (metricsServer.address() as AddressInfo).port, config: store.current.source },
      'ztgate serving',
    );

    const signal = await waitForSignal();
    logger.info({ signal, shutdownDelayMs }, 'draining: readiness is false, in-flight reviews finish');
    startDraining();
    await new Promise((resolve) => setTimeout(resolve, shutdownDelayMs));
    // In-flight reviews get a grace period; connections the API server merely keeps open (or that never
    // finished a TLS handshake) must not hold the process until the kubelet's SIGKILL.
    const closing = app.close();
    const force = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
    force.unref();
    await closing;
    clearTimeout(force);
    metricsServer.close();
    store.close();
    shedder.close();
    await audit.close();
    certificates.close();
    await informer?.stop();
    await clusterRules?.stop();
    registration?.stop();
    logger.info('stopped');
    return 0;
  },
};

const CLOSE_GRACE_MS = 5000;

function portFlag(name: string, text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${name}: expected a port from 0 to 65535, got ${JSON.stringify(text)}`);
  return port;
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (signal: string): void => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
      resolve(signal);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}

async function certificateSource(
  values: Record<string, string | boolean | undefined>,
  logger: Logger,
  env: NodeJS.ProcessEnv,
  kubeConfig: KubeConfig | undefined,
  metrics: Metrics,
): Promise<CertificateSource> {
  if (values['manage-certs']) {
    // The CA and serving certificate live in Secrets; one replica creates them, the others adopt them.
    const { inClusterCertificateManager, inClusterIdentity } = await import('../kube/certs/in-cluster.js');
    const manager = inClusterCertificateManager({
      ...inClusterIdentity(env),
      logger,
      ...(kubeConfig ? { kubeConfig } : {}),
      onError: () => metrics.certificateErrors.inc(),
    });
    const source = await manager.start();
    return { current: () => source.current(), onChange: (listener) => source.onChange(listener), close: () => { source.close(); manager.stop(); } };
  }
  const certFile = values['tls-cert'] as string | undefined;
  const keyFile = values['tls-key'] as string | undefined;
  const devDir = values['dev-certs'] as string | undefined;
  if (certFile || keyFile) {
    if (!certFile || !keyFile) throw new UsageError('--tls-cert and --tls-key go together');
    return fileCertificateSource({ certFile, keyFile, logger, onReject: () => metrics.certificateErrors.inc() });
  }
  if (devDir) {
    const result = await ensureDevCertificates(devDir, [String(values['host'] ?? '127.0.0.1')]);
    if (result.created) logger.info({ dir: devDir }, 'created dev CA and serving certificate');
    return fileCertificateSource({ certFile: join(devDir, 'tls.crt'), keyFile: join(devDir, 'tls.key'), caFile: join(devDir, 'ca.crt'), logger });
  }
  throw new UsageError('no serving certificate: give --tls-cert and --tls-key, or --dev-certs DIR');
}

async function registrationCheck(kubeConfig: KubeConfig, config: () => Config, logger: Logger, metrics: Metrics, intervalMs: number): Promise<RegistrationCheck> {
  const { AdmissionregistrationV1Api } = await import('@kubernetes/client-node');
  const { webhookConfigurationClient } = await import('../kube/webhook-config.js');
  const { RegistrationCheck } = await import('../kube/registration-check.js');
  const client = webhookConfigurationClient(kubeConfig.makeApiClient(AdmissionregistrationV1Api));
  return new RegistrationCheck({
    read: (ref) => client.configuration(ref),
    config,
    logger,
    intervalMs,
    onResult: (differences) => metrics.registrationDifferences.set(differences),
  });
}

/** A kubeconfig when ztgate should watch the cluster: --kubeconfig, or the in-cluster config in a Pod. */
async function clusterConfig(kubeconfig: string | undefined, env: NodeJS.ProcessEnv): Promise<KubeConfig | undefined> {
  if (!kubeconfig && !env['KUBERNETES_SERVICE_HOST']) return undefined;
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  if (kubeconfig) config.loadFromFile(kubeconfig);
  else config.loadFromCluster();
  return config;
}

/** Serving starts at once; until the first list completes, readiness says so and the cache is empty. */
function startInformer<T extends { start(): Promise<void> }>(source: T, logger: Logger): T {
  source.start().catch((error: unknown) => logger.error({ error: String(error) }, 'informer failed to start; retrying'));
  return source;
}
