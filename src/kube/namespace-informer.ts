import { CoreV1Api, KubeConfig, makeInformer, type V1Namespace } from '@kubernetes/client-node';
import type { NamespaceSource } from '../facts/types.js';
import type { Logger } from '../log/logger.js';
import { isJsonObject, type JsonObject } from '../util/json.js';

/**
 * Namespace facts from a watch cache. The last-known namespaces stay in force while the API server is
 * unreachable; the informer reconnects on its own schedule.
 */
export class InformerNamespaceSource implements NamespaceSource {
  private readonly byName = new Map<string, JsonObject>();
  private synced = false;
  private lastError: string | undefined;
  private readonly informer;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly logger: Logger,
  ) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    this.informer = makeInformer<V1Namespace>(kubeConfig, '/api/v1/namespaces', () => core.listNamespace());
    const upsert = (namespace: V1Namespace): void => {
      // Model objects carry Dates; store the wire form so CEL sees what kubectl shows.
      const plain: unknown = JSON.parse(JSON.stringify(namespace));
      const name = namespace.metadata?.name;
      if (name && isJsonObject(plain)) this.byName.set(name, plain);
    };
    this.informer.on('add', upsert);
    this.informer.on('update', upsert);
    this.informer.on('delete', (namespace) => {
      if (namespace.metadata?.name) this.byName.delete(namespace.metadata.name);
    });
    this.informer.on('connect', () => {
      this.synced = true;
      this.lastError = undefined;
    });
    this.informer.on('error', (error: unknown) => {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.logger.warn({ error: this.lastError }, 'namespace informer lost its watch; keeping last-known namespaces');
      this.scheduleRestart();
    });
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.informer.start().catch((error: unknown) => {
        this.lastError = String(error);
        this.scheduleRestart();
      });
    }, 2000);
    this.restartTimer.unref();
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.synced = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.informer.stop();
  }

  get(name: string): JsonObject | undefined {
    return this.byName.get(name);
  }

  ready(): boolean {
    return this.synced;
  }

  describe(): string {
    const state = this.synced ? `${this.byName.size} namespaces cached` : 'waiting for the first list';
    return this.lastError ? `${state}; last watch error: ${this.lastError}` : state;
  }
}
