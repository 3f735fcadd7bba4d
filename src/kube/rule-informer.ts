import { CustomObjectsApi, KubeConfig, makeInformer, type KubernetesObject } from '@kubernetes/client-node';
import { compileRuleObjects, mergeRuleSets, RULE_API_VERSION } from '../cel/config.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../log/logger.js';

const [GROUP, VERSION] = RULE_API_VERSION.split('/') as [string, string];
const PLURAL = 'zerotrustrules';

/**
 * ZeroTrustRule objects from the cluster, compiled once per change (never per review) and merged with
 * the config file's rules. A rule that fails to compile is reported like a bad config rule; the others
 * still apply.
 */
export class ClusterRuleSource {
  private readonly objects = new Map<string, KubernetesObject>();
  private readonly informer;
  private version = 0;
  private cache: { config: Config; version: number; merged: Config } | undefined;
  private synced = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly logger: Logger,
  ) {
    const api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.informer = makeInformer<KubernetesObject>(
      kubeConfig,
      `/apis/${GROUP}/${VERSION}/${PLURAL}`,
      () => api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }) as never,
    );
    const upsert = (object: KubernetesObject): void => {
      if (!object.metadata?.name) return;
      this.objects.set(object.metadata.name, JSON.parse(JSON.stringify(object)) as KubernetesObject);
      this.version += 1;
    };
    this.informer.on('add', upsert);
    this.informer.on('update', upsert);
    this.informer.on('delete', (object) => {
      if (object.metadata?.name && this.objects.delete(object.metadata.name)) this.version += 1;
    });
    this.informer.on('connect', () => {
      this.synced = true;
    });
    this.informer.on('error', (error: unknown) => {
      this.logger.warn({ error: String(error) }, 'ZeroTrustRule watch lost; keeping the last-known rules');
      setTimeout(() => void this.informer.start().catch(() => undefined), 2000).unref();
    });
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.synced = true;
  }

  async stop(): Promise<void> {
    await this.informer.stop();
  }

  ready(): boolean {
    return this.synced;
  }

  /** The config with the cluster's rules merged in; recompiled only when the config or the rules changed. */
  effective(config: Config): Config {
    if (this.cache && this.cache.config === config && this.cache.version === this.version) return this.cache.merged;
    const clusterRules = compileRuleObjects([...this.objects.values()], 'ZeroTrustRule', config.rules.limits);
    for (const problem of clusterRules.loadErrors) this.logger.error(problem, 'ZeroTrustRule failed to load');
    const merged = Object.freeze({ ...config, rules: mergeRuleSets(config.rules, clusterRules) });
    this.cache = { config, version: this.version, merged };
    return merged;
  }
}
