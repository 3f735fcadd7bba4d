import { asObject, asString, type JsonObject } from '../util/json.js';
import type { PolicyConfig, TierConfig } from './config.js';
import { isConvertedPolicyName } from './validate/names.js';

export const DEFAULT_TIER = 'default';

/** The `<tier>.` prefix of a policy name, which Calico up to v3.31 reads as the policy's tier. */
export function tierPrefixOf(name: string): string | undefined {
  if (isConvertedPolicyName(name)) return undefined;
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : undefined;
}

/** spec.tier, or `default` when unset. */
export function specTierOf(object: JsonObject | undefined): string {
  const tier = asString(asObject(object?.['spec'])?.['tier']);
  return tier && tier !== '' ? tier : DEFAULT_TIER;
}

/**
 * Every tier a policy can be read as belonging to: spec.tier and, for older Calico, the name
 * prefix. Guarding both means a policy cannot slip into a protected tier by either spelling.
 */
export function tiersOfPolicy(object: JsonObject | undefined): string[] {
  if (!object) return [];
  const tiers = [specTierOf(object)];
  const prefix = tierPrefixOf(asString(asObject(object['metadata'])?.['name']) ?? '');
  if (prefix !== undefined && !tiers.includes(prefix)) tiers.push(prefix);
  return tiers;
}

/** A Tier's spec.order; undefined when omitted, which Calico reads as "applied last". */
export function tierOrderOf(object: JsonObject | undefined): number | undefined {
  const order = asObject(object?.['spec'])?.['order'];
  return typeof order === 'number' && Number.isFinite(order) ? order : undefined;
}

export interface TierPosition {
  name: string;
  order: number | undefined;
}

/** Calico applies tiers by ascending order, an omitted order last, and equal orders by name. */
export function runsBefore(first: TierPosition, second: TierPosition): boolean {
  if (first.order !== second.order) {
    if (first.order === undefined) return false;
    if (second.order === undefined) return true;
    return first.order < second.order;
  }
  return first.name < second.name;
}

export function tierConfig(config: PolicyConfig, name: string): TierConfig | undefined {
  return config.tiers.find((tier) => tier.name === name);
}

export function protectedTiersOf(config: PolicyConfig, tiers: readonly string[]): TierConfig[] {
  return tiers.map((name) => tierConfig(config, name)).filter((tier): tier is TierConfig => tier?.protected === true);
}

