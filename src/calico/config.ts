import type { ConfigNode } from '../config/reader.js';
import type { Subjects } from '../config/types.js';

export interface TierConfig {
  name: string;
  /** A protected tier gets ZT-NET-001/002 on its policies and ownership checks on every change. */
  protected: boolean;
  owners: Subjects;
}

/** Settings of the policy invariants (ZT-NET-*), under `policy:` in the config file. */
export interface PolicyConfig {
  tiers: TierConfig[];
  /** Allowed to change any tier, with a warning and an auditAnnotation. */
  breakGlassGroups: string[];
  /** The only identities that may write crd.projectcalico.org/v1 policy kinds directly. */
  calicoServiceAccounts: string[];
  /** Istio's root namespace, where a PeerAuthentication is mesh-wide. */
  istioRootNamespace: string;
}

export function parsePolicyConfig(node: ConfigNode): PolicyConfig {
  node.keys(['tiers', 'breakGlassGroups', 'calicoServiceAccounts', 'istioRootNamespace']);
  const tiersNode = node.get('tiers');
  const tiers = tiersNode.present
    ? tiersNode.list().map((tier) => {
        tier.keys(['name', 'protected', 'owners']);
        const owners = tier.get('owners').keys(['users', 'groups']);
        return {
          name: tier.get('name').string(),
          protected: tier.get('protected').boolean(true),
          owners: { users: owners.get('users').stringList(), groups: owners.get('groups').stringList() },
        };
      })
    : [{ name: 'security', protected: true, owners: { users: [], groups: ['ztgate:security-admins'] } }];
  return {
    tiers,
    breakGlassGroups: node.get('breakGlassGroups').stringList(['system:masters']),
    calicoServiceAccounts: node
      .get('calicoServiceAccounts')
      .stringList([
        'system:serviceaccount:calico-system:calico-kube-controllers',
        'system:serviceaccount:calico-apiserver:calico-apiserver',
        'system:serviceaccount:tigera-operator:tigera-operator',
      ]),
    istioRootNamespace: node.get('istioRootNamespace').string('istio-system'),
  };
}
