import type { KubeConfig } from '@kubernetes/client-node';
import { RULE_API_VERSION } from '../cel/config.js';
import { TYPE_WARNING, withRuleObjects } from '../cel/rule-objects.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { RULE_PLURAL } from '../manifests/names.js';
import { ListWatchCache, type InformerTiming } from './list-watch.js';

/**
 * ZeroTrustRule objects from the cluster, compiled once per change (never per review) and merged with
 * the config file's rules. A rule that fails to compile is reported like a bad config rule and fails
 * where it applies by its failurePolicy; the others apply as written. Until the first list is in,
 * readiness says so: a replica that answered before it knew the cluster's rules would allow what they
 * deny.
 */
export class ClusterRuleSource {
  private readonly cache: ListWatchCache;
  private merged: { config: Config; revision: number; merged: Config } | undefined;

  constructor(
    kubeConfig: KubeConfig,
    private readonly logger: Logger,
    options: Partial<InformerTiming> & { now?: () => number } = {},
  ) {
    this.cache = new ListWatchCache(
      kubeConfig,
      logger,
      // Without the CRD no ZeroTrustRule can exist, so an empty set is the truth rather than a fault.
      { path: `/apis/${RULE_API_VERSION}/${RULE_PLURAL}`, singular: 'ZeroTrustRule', plural: 'ZeroTrustRules', absentIsEmpty: true },
      options,
    );
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  stop(): Promise<void> {
    return this.cache.stop();
  }

  ready(): boolean {
    return this.cache.ready();
  }

  describe(): string {
    return this.cache.describe();
  }

  /** The config with the cluster's rules merged in; recompiled only when the config or the rules changed. */
  effective(config: Config): Config {
    const { revision } = this.cache;
    if (this.merged && this.merged.config === config && this.merged.revision === revision) return this.merged.merged;
    const { config: merged, loadErrors, typeWarnings } = withRuleObjects(config, [...this.cache.values()]);
    for (const problem of loadErrors) this.logger.error(problem, 'ZeroTrustRule failed to load');
    for (const problem of typeWarnings) this.logger.warn(problem, TYPE_WARNING);
    this.merged = { config, revision, merged };
    return merged;
  }
}
