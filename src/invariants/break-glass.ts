import type { UserInfo } from '../admission/types.js';
import type { PolicyConfig } from '../calico/config.js';
import type { CheckContext, Finding } from '../engine/types.js';

/** The break-glass group the user is in, if any. */
export function breakGlassGroupOf(config: PolicyConfig, user: UserInfo): string | undefined {
  return user.groups.find((group) => config.breakGlassGroups.includes(group));
}

/** A change only owners may make, as the notice names it. */
export interface GuardedChange {
  path: string;
  /** What the user does, after their name: `creates EnvoyFilter "drop-rbac"`. */
  action: string;
  /** What break-glass overrides: `tier ownership`. */
  guard: string;
  /** Who should look at it afterwards: `group ztgate:security-admins`. */
  reviewers: string;
}

/**
 * The same change by a member of a break-glass group: allowed whatever the mode, with a warning and an
 * auditAnnotation, so an emergency is never blocked and never goes unrecorded. Undefined when the user
 * is in no break-glass group.
 */
export function breakGlassNotice(ctx: CheckContext, change: GuardedChange): Finding | undefined {
  const group = breakGlassGroupOf(ctx.config.policy, ctx.request.userInfo);
  if (group === undefined) return undefined;
  return {
    path: change.path,
    // Kept short: this summary is the kubectl warning; the auditAnnotation carries the whole line.
    summary: `break-glass: "${ctx.request.userInfo.username}" ${change.action}`,
    why: `group ${group} bypasses ${change.guard}; the change is allowed and recorded`,
    fix: `Have ${change.reviewers} review the change`,
    notice: true,
  };
}
