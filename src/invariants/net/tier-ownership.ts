import type { TierConfig } from '../../calico/config.js';
import {
  protectedTiersOf,
  runsBefore,
  specTierOf,
  tierConfig,
  tierOrderOf,
  tiersOfPolicy,
} from '../../calico/tier.js';
import { describeSubjects, isAmong } from '../../config/subjects.js';
import { breakGlassNotice } from '../break-glass.js';
import type { CheckContext, Finding, Invariant } from '../../engine/types.js';
import { asObject, asString, type JsonObject } from '../../util/json.js';
import { requestPolicyKind } from './kinds.js';

interface Change {
  tier: TierConfig;
  /** What the user does, as a verb phrase: `deletes policy "x" from protected tier "security"`. */
  action: string;
  path: string;
  /** Why only the owners may; by default, because the tier's policies run before everyone else's. */
  why?: string;
  /** What a non-owner may do instead of asking the owners. */
  alternative?: string;
  /** Owners may not do it either (deleting a protected Tier); only break-glass may. */
  ownersDenied?: { why: string; fix: string };
}

function nameOf(ctx: CheckContext): string {
  const object = ctx.object ?? ctx.oldObject;
  return asString(asObject(object?.['metadata'])?.['name']) ?? ctx.request.name ?? '';
}

function policyChanges(ctx: CheckContext): Change[] {
  const before = tiersOfPolicy(ctx.oldObject);
  const after = tiersOfPolicy(ctx.object);
  const touched = protectedTiersOf(ctx.config.policy, [...new Set([...before, ...after])]);
  const name = nameOf(ctx);
  return touched.map((tier) => {
    const pathFor = (object: JsonObject | undefined): string => (specTierOf(object) === tier.name ? 'spec.tier' : 'metadata.name');
    const inBefore = before.includes(tier.name);
    const inAfter = after.includes(tier.name);
    const where = `protected tier "${tier.name}"`;
    switch (ctx.request.operation) {
      case 'CREATE':
        return { tier, action: `creates policy "${name}" in ${where}`, path: pathFor(ctx.object) };
      case 'DELETE':
        return { tier, action: `deletes policy "${name}" from ${where}`, path: pathFor(ctx.oldObject) };
      default:
        if (inBefore && !inAfter) {
          return { tier, action: `moves policy "${name}" out of ${where} (to "${specTierOf(ctx.object)}")`, path: 'spec.tier' };
        }
        if (!inBefore) return { tier, action: `moves policy "${name}" into ${where}`, path: pathFor(ctx.object) };
        return { tier, action: `changes policy "${name}" in ${where}`, path: pathFor(ctx.object) };
    }
  });
}

const GUARDED_TIER_FIELDS = ['order', 'defaultAction'] as const;

/** order and defaultAction decide where the tier runs and what it does to unmatched traffic. */
function changedTierFields(ctx: CheckContext): { field: string; text: string }[] {
  const before = asObject(ctx.oldObject?.['spec']) ?? {};
  const after = asObject(ctx.object?.['spec']) ?? {};
  return GUARDED_TIER_FIELDS.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field])).map((field) => ({
    field,
    text: `${field} (${JSON.stringify(before[field] ?? null)} → ${JSON.stringify(after[field] ?? null)})`,
  }));
}

function orderChanged(ctx: CheckContext): boolean {
  return ctx.request.operation === 'CREATE' || tierOrderOf(ctx.oldObject) !== tierOrderOf(ctx.object);
}

/**
 * A protected tier's configured order is what other Tiers are compared with, so its Tier may not
 * leave it: the comparison would go stale, and a Tier placed between the two orders would run first.
 */
function pinnedOrder(ctx: CheckContext, tier: TierConfig): Change['ownersDenied'] {
  if (!tier.protected || tier.order === undefined || !orderChanged(ctx)) return undefined;
  const order = tierOrderOf(ctx.object);
  if (order === tier.order) return undefined;
  return {
    why: `ztgate compares every other Tier's order with the order ${tier.order} its config gives tier "${tier.name}", so the Tier must keep that order`,
    fix:
      order === undefined
        ? `Give the Tier order ${tier.order} (an omitted order runs last), or change tier "${tier.name}" in ztgate's config (policy.tiers) first`
        : `Set order: ${order} for tier "${tier.name}" in ztgate's config (policy.tiers) first, then apply the Tier again`,
  };
}

function listedTierChanges(ctx: CheckContext, name: string, tier: TierConfig): Change[] {
  const fields = ctx.request.operation === 'DELETE' ? [] : changedTierFields(ctx);
  const kind = tier.protected ? 'protected tier' : 'tier';
  switch (ctx.request.operation) {
    case 'DELETE':
      if (!tier.protected) return [];
      return [
        {
          tier,
          action: `deletes protected tier "${name}"`,
          path: 'metadata.name',
          ownersDenied: {
            why: 'a protected tier cannot be deleted while ztgate protects it; remove it from policy.tiers first',
            fix: `Stop protecting tier "${name}" in the ztgate config, or use a break-glass group`,
          },
        },
      ];
    case 'CREATE': {
      if (!tier.protected && fields.length === 0) return [];
      const pinned = pinnedOrder(ctx, tier);
      if (!pinned) return [{ tier, action: `creates ${kind} "${name}"`, path: 'metadata.name' }];
      const order = tierOrderOf(ctx.object) ?? 'none (runs last)';
      return [{ tier, action: `creates ${kind} "${name}" at order ${order}`, path: 'spec.order', ownersDenied: pinned }];
    }
    default: {
      if (!tier.protected && fields.length === 0) return [];
      const pinned = pinnedOrder(ctx, tier);
      return [
        {
          tier,
          action: fields.length > 0 ? `changes ${fields.map((f) => f.text).join(' and ')} of ${kind} "${name}"` : `changes ${kind} "${name}"`,
          path: fields[0] ? `spec.${fields[0].field}` : 'spec',
          ...(pinned ? { ownersDenied: pinned } : {}),
        },
      ];
    }
  }
}

/**
 * Calico applies a Tier that runs ahead of a protected tier first, so its policies decide traffic
 * before the protected tier's do: placing one there is a change to the protected tier. Tiers already
 * ahead are not re-judged on every update, only when their order is set or changed. Calico's own
 * components create their tiers where Calico needs them (kube-admin at 1,000; Calico Enterprise's
 * allow-tigera at 100), and refusing them would break Calico, not protect the tier.
 */
function precedenceChanges(ctx: CheckContext, name: string, listed: TierConfig | undefined): Change[] {
  if (ctx.request.operation === 'DELETE' || listed?.protected || !orderChanged(ctx)) return [];
  if (ctx.config.policy.calicoServiceAccounts.includes(ctx.request.userInfo.username)) return [];
  const position = { name, order: tierOrderOf(ctx.object) };
  const verb = ctx.request.operation === 'CREATE' ? `creates tier "${name}" at order` : `moves tier "${name}" to order`;
  return ctx.config.policy.tiers
    .filter((tier) => tier.protected && tier.order !== undefined && runsBefore(position, { name: tier.name, order: tier.order }))
    .map((tier) => ({
      tier,
      action: `${verb} ${position.order}, ahead of protected tier "${tier.name}" (order ${tier.order})`,
      path: 'spec.order',
      why: `Calico applies tiers by ascending order, so the policies of tier "${name}" would decide traffic before those of the protected tier`,
      alternative: `give tier "${name}" an order above ${tier.order}`,
    }));
}

function tierChanges(ctx: CheckContext): Change[] {
  const name = nameOf(ctx);
  const listed = tierConfig(ctx.config.policy, name);
  return [...(listed ? listedTierChanges(ctx, name, listed) : []), ...precedenceChanges(ctx, name, listed)];
}

/** Calico's API server re-writes every v3 change into crd.projectcalico.org/v1 under its own account. */
function isCalicoStorageWrite(ctx: CheckContext): boolean {
  return requestPolicyKind(ctx.request)?.crd === true && ctx.config.policy.calicoServiceAccounts.includes(ctx.request.userInfo.username);
}

function findingFor(change: Change, ctx: CheckContext): Finding | undefined {
  const user = ctx.request.userInfo;
  const owner = isAmong(change.tier.owners, user);
  if (owner && !change.ownersDenied) return undefined;
  const reviewers = `an owner of tier "${change.tier.name}" (${describeSubjects(change.tier.owners)})`;
  const notice = breakGlassNotice(ctx, { path: change.path, action: change.action, guard: 'tier ownership', reviewers });
  if (notice) return notice;
  if (owner) {
    return {
      path: change.path,
      summary: `user "${user.username}" ${change.action}`,
      why: change.ownersDenied!.why,
      fix: change.ownersDenied!.fix,
    };
  }
  return {
    path: change.path,
    summary: `user "${user.username}" ${change.action} but is not one of its owners`,
    why:
      change.why ??
      'only the owners of a protected tier may create, change, move or delete what is in it, because its policies are evaluated before everyone else’s',
    fix: `Ask ${describeSubjects(change.tier.owners)} to make the change${change.alternative ? `, or ${change.alternative}` : ''}`,
  };
}

/** ZT-NET-003. Tier RBAC as ztgate's config states it, whatever path the write takes. */
export const tierOwnership: Invariant = {
  id: 'ZT-NET-003',
  title: 'Only owners change a protected tier',
  rationale:
    'A protected tier holds the policies every other tier runs after; only its configured owners (or a break-glass group, loudly) may create, change, move or delete its policies or the Tier itself, or place another Tier ahead of it.',
  defaultMode: 'enforce',
  scope: 'everywhere',
  appliesTo(request) {
    const family = requestPolicyKind(request)?.family;
    return (family === 'calico-policy' || family === 'calico-tier') && request.operation !== 'CONNECT';
  },
  check(ctx) {
    if (isCalicoStorageWrite(ctx)) return [];
    const family = requestPolicyKind(ctx.request)?.family;
    const changes = family === 'calico-tier' ? tierChanges(ctx) : policyChanges(ctx);
    return changes.map((change) => findingFor(change, ctx)).filter((finding): finding is Finding => finding !== undefined);
  },
};
