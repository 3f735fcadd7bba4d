import type { Config } from '../config/types.js';
import { asObject } from '../util/json.js';
import { compileRuleObjects, mergeRuleSets, RULE_API_VERSION, RULE_KIND } from './config.js';
import type { RuleLoadError } from './model.js';

export function isRuleObject(value: unknown): boolean {
  const object = asObject(value);
  return object?.['apiVersion'] === RULE_API_VERSION && object['kind'] === RULE_KIND;
}

/**
 * The config with ZeroTrustRule objects compiled and merged in: the server does this with the
 * cluster's objects, `ztgate check` with those in its input, so both judge with the same rules. A rule
 * of the config file keeps its name; an object that does not compile is left out and reported.
 */
export function withRuleObjects(config: Config, objects: readonly unknown[]): { config: Config; loadErrors: RuleLoadError[] } {
  const compiled = compileRuleObjects([...objects], RULE_KIND, config.rules.limits);
  const merged = Object.freeze({ ...config, rules: mergeRuleSets(config.rules, compiled) });
  return { config: merged, loadErrors: compiled.loadErrors };
}
