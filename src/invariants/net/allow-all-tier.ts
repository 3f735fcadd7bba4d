import type { Finding, Invariant } from '../../engine/types.js';
import { protectedAllowRules, tierNames } from './calico-policy.js';
import { writesOf } from './kinds.js';

/**
 * ZT-NET-001. A protected tier is where the security team writes what may talk to what; one Allow
 * rule whose peer is unrestricted there admits everyone before any later tier can deny it.
 */
export const noAllowAllInProtectedTier: Invariant = {
  id: 'ZT-NET-001',
  title: 'No allow-all rule in a protected tier',
  rationale:
    'Policies in a protected tier are evaluated before the rest; an Allow rule with an unrestricted peer there admits every source or destination and no later tier can take it back.',
  defaultMode: 'enforce',
  scope: 'protected',
  appliesTo: writesOf('calico-policy'),
  check(ctx) {
    const findings: Finding[] = [];
    for (const { policy, rule, peer } of protectedAllowRules(ctx)) {
      if (peer.unrestricted === undefined) continue;
      const who = rule.direction === 'ingress' ? 'every source' : 'every destination';
      const where = `in protected tier ${tierNames(policy.protectedTiers)}`;
      findings.push(
        policy.selectsEverything
          ? {
              path: rule.peerPath,
              summary: `${rule.direction} rule ${rule.index} allows ${who} (${peer.unrestricted}) and the policy selects every endpoint, ${where}`,
              why: 'this is the worst case: every endpoint is opened to every peer, undoing the zero-trust default of the whole tier',
              fix: `Name the allowed peers in ${rule.peerSide} (selector, namespaceSelector, serviceAccounts or nets) and narrow spec.selector`,
            }
          : {
              path: rule.peerPath,
              summary: `${rule.direction} rule ${rule.index} allows ${who} (${peer.unrestricted}) ${where}`,
              why: 'a protected tier is evaluated first, so this rule admits every peer before any later tier can deny it',
              fix: `Name the allowed peers in ${rule.peerSide} (selector, namespaceSelector, serviceAccounts or nets)`,
            },
      );
    }
    return findings;
  },
};
