import type { AdmissionRequest } from '../../admission/types.js';
import type { RuleLimits } from '../../cel/budget.js';
import { compileRuleObjects, RULE_KIND } from '../../cel/config.js';
import type { RuleSet } from '../../cel/model.js';
import type { Finding, Invariant } from '../../engine/types.js';
import { RULE_GROUP } from '../../manifests/names.js';
import { asObject, asString, type JsonObject } from '../../util/json.js';
import { specUnchanged } from '../net/kinds.js';

/**
 * The request's ZeroTrustRule compiled once per decision: ZT-RULE-001 reports its errors and ZT-RULE-002
 * reads its match, and compiling CEL is the costly part of both.
 */
const compiledByObject = new WeakMap<object, { limits: RuleLimits; compiled: RuleSet }>();
export function compiledRuleObject(object: JsonObject, limits: RuleLimits): RuleSet {
  const cached = compiledByObject.get(object);
  if (cached && cached.limits === limits) return cached.compiled;
  const compiled = compileRuleObjects([object], RULE_KIND, limits);
  compiledByObject.set(object, { limits, compiled });
  return compiled;
}

export function isRuleWrite(request: AdmissionRequest): boolean {
  return request.kind.group === RULE_GROUP && request.kind.kind === RULE_KIND && (request.operation === 'CREATE' || request.operation === 'UPDATE');
}

/**
 * ZT-RULE-001. ztgate compiles the cluster's ZeroTrustRules when its watch delivers them; one that does
 * not compile fails every request it matches by its failurePolicy, and the error sits in /readyz and the
 * log, where its author may never look. Refusing it at admission puts the error in front of the author,
 * as the API server does for a ValidatingAdmissionPolicy and Gatekeeper for a ConstraintTemplate.
 */
export const ruleLoads: Invariant = {
  id: 'ZT-RULE-001',
  title: 'ZeroTrustRules compile',
  rationale:
    'A ZeroTrustRule that does not compile fails every request it matches by its failurePolicy instead of judging it, and one whose name a rule of the config file already takes is never enforced; ztgate compiles it at admission and refuses it with the error, so its author sees it.',
  defaultMode: 'enforce',
  scope: 'everywhere',
  appliesTo: isRuleWrite,
  check(ctx) {
    // A label or annotation on a rule stored before ztgate changes nothing that loads; refusing it would
    // only block the controllers that touch metadata (the same reasoning as the policy invariants).
    if (!ctx.object || specUnchanged(ctx)) return [];
    const name = asString(asObject(ctx.object['metadata'])?.['name']) ?? ctx.request.name ?? '';
    const compiled = compiledRuleObject(ctx.object, ctx.config.rules.limits);
    const findings: Finding[] = compiled.loadErrors.map((error) => ({
      path: error.path,
      summary: `ZeroTrustRule "${name}" does not compile: ${error.message}`,
      why: error.typeError
        ? 'kube-apiserver refuses the same expression in a ValidatingAdmissionPolicy: its types do not fit, so where it runs it fails by the rule’s failurePolicy instead of judging by what it states'
        : 'every request the rule matches would fail by its failurePolicy instead of being judged by what it states',
      fix: 'Correct the rule (docs/rules.md); `ztgate check -f` shows the same error offline',
    }));
    const shadowing = ctx.config.rules.rules.find((rule) => rule.name === name && rule.source === 'config');
    if (shadowing) {
      findings.push({
        path: 'metadata.name',
        summary: `ZeroTrustRule "${name}" has the name of a rule in ztgate's config file`,
        why: 'the config file’s rule wins, so this object would never be enforced',
        fix: 'Give the ZeroTrustRule another name, or remove the rule from the config file',
      });
    }
    return findings;
  },
};
