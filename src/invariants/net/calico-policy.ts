import type { TierConfig } from '../../calico/config.js';
import { analysePeer, policyRules, selectsEverything, type PeerAnalysis, type PolicyRule } from '../../calico/rules.js';
import { protectedTiersOf, tiersOfPolicy } from '../../calico/tier.js';
import type { CheckContext } from '../../engine/types.js';
import { asObject, asString, type JsonObject } from '../../util/json.js';
import { requestPolicyKind, specUnchanged } from './kinds.js';

/** What ZT-NET-001/002 need from the Calico policy under review. */
export interface CalicoPolicyView {
  name: string;
  namespaced: boolean;
  spec: JsonObject;
  rules: PolicyRule[];
  /** The protected tiers the policy is in (by spec.tier or name prefix). */
  protectedTiers: TierConfig[];
  /** The policy applies to every endpoint it can reach (no narrowing selector). */
  selectsEverything: boolean;
}

export function calicoPolicyView(ctx: CheckContext): CalicoPolicyView | undefined {
  const kind = requestPolicyKind(ctx.request);
  if (kind?.family !== 'calico-policy' || !ctx.object || specUnchanged(ctx)) return undefined;
  const spec = asObject(ctx.object['spec']) ?? {};
  if (kind.staged && spec['stagedAction'] === 'Delete') return undefined;
  const selectors = ['selector', 'serviceAccountSelector', ...(kind.global ? ['namespaceSelector'] : [])];
  return {
    name: asString(asObject(ctx.object['metadata'])?.['name']) ?? ctx.request.name ?? '',
    namespaced: !kind.global,
    spec,
    rules: policyRules(spec),
    protectedTiers: protectedTiersOf(ctx.config.policy, tiersOfPolicy(ctx.object)),
    selectsEverything: selectors.every((field) => selectsEverything(asString(spec[field]))),
  };
}

export function tierNames(tiers: readonly TierConfig[]): string {
  return tiers.map((tier) => `"${tier.name}"`).join(' and ');
}

/** An Allow rule of a policy in a protected tier, with what its peer names. */
export interface ProtectedAllowRule {
  policy: CalicoPolicyView;
  rule: PolicyRule;
  peer: PeerAnalysis;
}

/**
 * ZT-NET-001 and 002 judge the same rules of the same review, one after the other: the analysis of
 * the last review's context is kept and shared (a context is built per review and never changed). One
 * slot rather than a WeakMap keyed by every context: such a WeakMap cost more in garbage collection
 * than the analysis it saved.
 */
let last: { ctx: CheckContext; rules: readonly ProtectedAllowRule[] } | undefined;

/** The Allow rules ZT-NET-001 and 002 judge: none unless the policy sits in a protected tier. */
export function protectedAllowRules(ctx: CheckContext): readonly ProtectedAllowRule[] {
  if (last?.ctx !== ctx) last = { ctx, rules: Object.freeze(analyseAllowRules(ctx)) };
  return last.rules;
}

function analyseAllowRules(ctx: CheckContext): ProtectedAllowRule[] {
  const policy = calicoPolicyView(ctx);
  if (!policy || policy.protectedTiers.length === 0) return [];
  const rules: ProtectedAllowRule[] = [];
  for (const rule of policy.rules) {
    if (rule.action === 'Allow') rules.push({ policy, rule, peer: analysePeer(rule.peer, policy.namespaced) });
  }
  return rules;
}
