import type { Config } from '../../config/types.js';
import type { Invariant } from '../../engine/types.js';
import { unreachedParts } from '../../manifests/reach.js';
import { asObject, asString } from '../../util/json.js';
import { specUnchanged } from '../net/kinds.js';
import { compiledRuleObject, isRuleWrite } from './rule-loads.js';

/**
 * ZT-RULE-002. The API server sends ztgate only what its webhook configurations list, so a ZeroTrustRule
 * naming another kind (an Ingress, a ConfigMap), an operation that is not sent (DELETE of a Pod) or a
 * system namespace never runs there, and nothing says so: its author believes those requests are
 * judged. It warns by default, since the rest of such a rule may well run; a config can make it enforce.
 */
export const ruleReach: Invariant = {
  id: 'ZT-RULE-002',
  title: 'ZeroTrustRules match only what ztgate is sent',
  rationale:
    'The API server sends ztgate only the kinds, operations and namespaces its webhook configurations list; a rule that names anything else never runs on it, so what its author believes is enforced is not. ztgate says so when the rule is written.',
  defaultMode: 'warn',
  scope: 'everywhere',
  appliesTo: isRuleWrite,
  check(ctx) {
    if (!ctx.object || specUnchanged(ctx)) return [];
    // A rule that does not compile is ZT-RULE-001's to report.
    const compiled = compiledRuleObject(ctx.object, ctx.config.rules.limits);
    const rule = compiled.rules[0];
    if (!rule || rule.loadError !== undefined || compiled.loadErrors.length > 0) return [];
    const name = asString(asObject(ctx.object['metadata'])?.['name']) ?? ctx.request.name ?? '';
    return unreachedParts(rule.match, ctx.config).map(({ field, what }) => ({
      path: `spec.match.${field}`,
      summary: `ZeroTrustRule "${name}": ztgate is never sent ${what}`,
      why: 'no webhook configuration lists it, so the rule never runs there and those requests go unjudged while the rule reads as if it covered them',
      fix: 'Match only what docs/rules.md lists as sent to ztgate, or judge the rest with a ValidatingAdmissionPolicy',
    }));
  },
};

/**
 * The same for the config file's rules, which no admission request carries: serve logs these when it
 * loads the config, so the operator sees what a rule will never judge.
 */
export function configRuleReachNotices(config: Config): string[] {
  return config.rules.rules
    .filter((rule) => rule.source === 'config' && rule.loadError === undefined)
    .flatMap((rule) =>
      unreachedParts(rule.match, config).map(
        ({ field, what }) => `rule "${rule.name}" (${ruleReach.id}): ztgate is never sent ${what} (match.${field}), so the rule never runs there`,
      ),
    );
}
