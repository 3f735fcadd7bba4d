import type { Finding, Invariant } from '../../engine/types.js';
import { protectedAllowRules, tierNames } from './calico-policy.js';
import { writesOf } from './kinds.js';

/**
 * ZT-NET-002. Labels and IPs can be forged by whoever controls a Pod spec or a network path; a mesh
 * certificate cannot. Requiring both means neither a relabelled Pod nor a stolen identity passes alone.
 */
export const twoIdentities: Invariant = {
  id: 'ZT-NET-002',
  title: 'Workload rules in a protected tier name both identities',
  rationale:
    'An Allow rule between workloads that names only labels or addresses trusts whatever Pod carries them, and one that names only a service account ignores where traffic comes from; protected tiers require both.',
  defaultMode: 'warn',
  scope: 'protected',
  appliesTo: writesOf('calico-policy'),
  check(ctx) {
    const findings: Finding[] = [];
    for (const { policy, rule, peer } of protectedAllowRules(ctx)) {
      // An unrestricted peer is ZT-NET-001's finding; an address-only peer is not a workload.
      if (peer.unrestricted !== undefined || !peer.workload || (peer.crypto && peer.network)) continue;
      // Kept short: in warn mode this summary is the whole kubectl warning (120 characters).
      const missing = peer.crypto
        ? 'no selector, namespaceSelector or nets'
        : peer.network
          ? 'no serviceAccounts'
          : 'neither serviceAccounts nor a selector or nets';
      const add = [...(peer.crypto ? [] : ['serviceAccounts']), ...(peer.network ? [] : ['a narrowing selector, namespaceSelector or nets'])];
      findings.push({
        path: rule.peerPath,
        summary: `${rule.direction} rule ${rule.index} ${rule.peerSide} names ${missing}`,
        why: `in protected tier ${tierNames(policy.protectedTiers)} a workload peer must prove both who it is (its mesh certificate) and where it runs, so one forged attribute is not enough`,
        // Calico refuses serviceAccounts next to services, so a Service peer has to be rewritten.
        fix:
          rule.peer['services'] !== undefined
            ? `Replace ${rule.peerSide}.services with a selector and serviceAccounts naming the Service's workloads`
            : `Add ${add.join(' and ')} to ${rule.peerSide}`,
      });
    }
    return findings;
  },
};
