import { isCatchAll, parseNetwork } from '../../calico/ip.js';
import type { Finding, Invariant } from '../../engine/types.js';
import { asArray, asObject, asString, type JsonValue } from '../../util/json.js';
import { specUnchanged, writesOf } from './kinds.js';

/** A metav1.LabelSelector with no requirements selects everything. */
function selectsEverything(value: JsonValue | undefined): boolean {
  const selector = asObject(value);
  if (!selector) return false;
  return Object.keys(asObject(selector['matchLabels']) ?? {}).length === 0 && asArray(selector['matchExpressions']).length === 0;
}

/** Why one NetworkPolicyPeer matches every peer, or undefined when it narrows. */
function openPeer(value: JsonValue): string | undefined {
  const peer = asObject(value);
  if (!peer || Object.keys(peer).length === 0) return 'an empty peer {} matches everything';
  const block = asObject(peer['ipBlock']);
  if (block) {
    const cidr = asString(block['cidr']) ?? '';
    const network = parseNetwork(cidr);
    if (network && isCatchAll(network) && asArray(block['except']).length === 0) return `ipBlock ${cidr} without except matches every address`;
    return undefined;
  }
  const namespaces = peer['namespaceSelector'];
  if (namespaces !== undefined && selectsEverything(namespaces) && (peer['podSelector'] === undefined || selectsEverything(peer['podSelector']))) {
    return 'namespaceSelector {} with an empty podSelector matches every Pod in every namespace';
  }
  return undefined;
}

/** ZT-NET-005. A Kubernetes NetworkPolicy rule that admits every peer makes the policy decorative. */
export const k8sNetworkPolicyPeers: Invariant = {
  id: 'ZT-NET-005',
  title: 'Kubernetes NetworkPolicy rules name their peers',
  rationale:
    'An ingress or egress rule with no peers, an empty peer, all namespaces with all Pods, or 0.0.0.0/0 without exceptions allows every peer, so the selected Pods are as open as if no policy existed.',
  defaultMode: 'enforce',
  scope: 'protected',
  appliesTo: writesOf('k8s-network-policy'),
  check(ctx) {
    if (specUnchanged(ctx)) return [];
    const spec = asObject(ctx.object?.['spec']);
    const findings: Finding[] = [];
    for (const [direction, field, who] of [
      ['ingress', 'from', 'source'],
      ['egress', 'to', 'destination'],
    ] as const) {
      asArray(spec?.[direction]).forEach((value, i) => {
        const rule = asObject(value) ?? {};
        const peers = asArray(rule[field]);
        const path = `spec.${direction}[${i}]`;
        const fix = `List the allowed peers in ${field} (a podSelector or namespaceSelector with labels, or an ipBlock narrower than /0 or with except)`;
        const why = `it opens the selected Pods to every ${who}, inside or outside the cluster`;
        if (peers.length === 0) {
          findings.push({ path, summary: `${direction} rule ${i} has no ${field}, so it allows every ${who}`, why, fix });
          return;
        }
        peers.forEach((peer, j) => {
          const reason = openPeer(peer);
          if (reason) findings.push({ path: `${path}.${field}[${j}]`, summary: `${direction} rule ${i} allows every ${who}: ${reason}`, why, fix });
        });
      });
    }
    return findings;
  },
};
