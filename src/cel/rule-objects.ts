import type { Config } from '../config/types.js';
import { asObject } from '../util/json.js';
import { compileRuleObjects, mergeRuleSets, RULE_API_VERSION, RULE_KIND } from './config.js';
import type { RuleLoadError } from './model.js';

/** Said of a stored rule that loads although kube-apiserver's type check would refuse it (CompileOptions.typeErrors). */
export const TYPE_WARNING = 'custom rule has a type error kube-apiserver would refuse; it loads as before, unchecked, and a new or changed rule with it is refused';

/** The same, as one line naming the rule and the field: for /readyz and the offline commands' stderr. */
export function typeWarningLine(problem: RuleLoadError): string {
  return `${problem.rule} ${problem.path}: type error kube-apiserver would refuse, loaded unchecked: ${problem.message}`;
}

export function isRuleObject(value: unknown): boolean {
  const object = asObject(value);
  return object?.['apiVersion'] === RULE_API_VERSION && object['kind'] === RULE_KIND;
}

/**
 * The config with ZeroTrustRule objects compiled and merged in: the server does this with the
 * cluster's objects, `ztgate check` with those in its input, so both judge with the same rules. A rule
 * of the config file keeps its name. An object that does not compile is reported; if it is `stored`
 * (in the cluster already) it fails by its failurePolicy where it applies, and if it is about to be
 * created it applies to nothing, since ZT-RULE-001 refuses it. A stored object's type errors only warn.
 */
export function withRuleObjects(config: Config, objects: readonly unknown[], stored = true): { config: Config; loadErrors: RuleLoadError[]; typeWarnings: RuleLoadError[] } {
  // A stored object may predate ztgate's type check: its type errors are warnings (CompileOptions.typeErrors).
  const compiled = compileRuleObjects([...objects], RULE_KIND, config.rules.limits, stored ? 'warn' : 'refuse');
  if (!stored) compiled.rules = compiled.rules.filter((rule) => rule.loadError === undefined);
  const merged = Object.freeze({ ...config, rules: mergeRuleSets(config.rules, compiled) });
  return { config: merged, loadErrors: compiled.loadErrors, typeWarnings: compiled.typeWarnings };
}
