import type { ConfigNode } from '../config/reader.js';
import { parseSubjects, SECURITY_ADMINS } from '../config/subjects.js';
import type { Subjects } from '../config/types.js';
import { isCatchAll, isStrictlyMasked, parseNetwork, type IpNetwork } from './ip.js';
import { isDnsLabel } from './validate/names.js';

/** Istio's own default for meshConfig.rootNamespace. */
export const DEFAULT_ISTIO_ROOT_NAMESPACE = 'istio-system';

export interface TierConfig {
  name: string;
  /**
   * A protected tier gets ZT-NET-001/002 on its policies and ownership checks on every change to it
   * and its policies. An unprotected tier listed here only guards its Tier's order and defaultAction.
   */
  protected: boolean;
  owners: Subjects;
  /**
   * The order the Tier runs at in the cluster. For a protected tier it is what every other Tier's
   * order is compared with (a Tier that runs ahead of it decides traffic first), so its Tier may not
   * be given another order while ztgate protects it. Unset: neither check runs for this tier.
   */
  order?: number;
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
  /** Who may create, change or delete EnvoyFilters and WasmPlugins (ZT-NET-009). */
  meshExtensionOwners: Subjects;
  /** The addresses a Service may claim in spec.externalIPs (ZT-NET-008); none by default. */
  allowedExternalIPs: AllowedNetwork[];
}

export interface AllowedNetwork {
  /** As written in the config, for messages. */
  text: string;
  network: IpNetwork;
}

export const DEFAULT_TIERS: readonly TierConfig[] = [
  // Order 100 is the order deploy/policies/tier.yaml gives the Tier.
  { name: 'security', protected: true, owners: { users: [], groups: [SECURITY_ADMINS] }, order: 100 },
];

export const DEFAULT_CALICO_SERVICE_ACCOUNTS: readonly string[] = [
  'system:serviceaccount:calico-system:calico-kube-controllers',
  'system:serviceaccount:calico-apiserver:calico-apiserver',
  'system:serviceaccount:tigera-operator:tigera-operator',
];

/**
 * What the policy settings leave unguarded though they load: said in the log and in /readyz, since a
 * config that parses can still switch a check off without anyone having meant to.
 */
export function policyNotices(policy: PolicyConfig): string[] {
  const notices = policy.tiers
    .filter((tier) => tier.protected && tier.order === undefined)
    .map(
      (tier) =>
        `protected tier "${tier.name}" has no order in policy.tiers, so a Tier placed ahead of it is not judged (ZT-NET-003); set order to its Tier's spec.order`,
    );
  for (const { text, network } of policy.allowedExternalIPs.filter((allowed) => isCatchAll(allowed.network))) {
    notices.push(`policy.allowedExternalIPs lists ${text}, so any Service may claim any IPv${network.version} address (ZT-NET-008); list only the ranges you route to the cluster`);
  }
  return notices;
}

/**
 * CIDRs or single addresses. Host bits after the prefix are refused rather than masked, since
 * `10.0.0.1/8` more likely means a typo than the whole of 10/8.
 */
function parseAllowedNetworks(node: ConfigNode): AllowedNetwork[] {
  if (!node.present) return [];
  return node.list().map((item) => {
    const text = item.string();
    const network = parseNetwork(text);
    if (!network) return item.fail(`${JSON.stringify(text)} is not an IP address or CIDR`);
    if (!isStrictlyMasked(network)) item.fail(`${JSON.stringify(text)} has bits set after its /${network.prefix} prefix; write the network address`);
    return { text, network };
  });
}

function parseTiers(node: ConfigNode): TierConfig[] {
  if (!node.present) return DEFAULT_TIERS.map((tier) => structuredClone(tier));
  const seen = new Set<string>();
  return node.list().map((tier) => {
    tier.keys(['name', 'protected', 'owners', 'order']);
    const nameNode = tier.get('name');
    const name = nameNode.string();
    if (!isDnsLabel(name)) nameNode.fail(`tier name ${JSON.stringify(name)} must be a lowercase DNS label (Calico's tier name rule)`);
    if (seen.has(name)) nameNode.fail(`duplicate tier ${JSON.stringify(name)}`);
    seen.add(name);
    const order = tier.get('order').optionalNumber();
    return {
      name,
      protected: tier.get('protected').boolean(true),
      owners: parseSubjects(tier.get('owners')),
      ...(order === undefined ? {} : { order }),
    };
  });
}

export function parsePolicyConfig(node: ConfigNode): PolicyConfig {
  node.keys(['tiers', 'breakGlassGroups', 'calicoServiceAccounts', 'istioRootNamespace', 'allowedExternalIPs', 'meshExtensionOwners']);
  const rootNode = node.get('istioRootNamespace');
  const istioRootNamespace = rootNode.string(DEFAULT_ISTIO_ROOT_NAMESPACE);
  if (!isDnsLabel(istioRootNamespace)) rootNode.fail(`${JSON.stringify(istioRootNamespace)} is not a namespace name`);
  return {
    tiers: parseTiers(node.get('tiers')),
    breakGlassGroups: node.get('breakGlassGroups').stringList(['system:masters']),
    calicoServiceAccounts: node.get('calicoServiceAccounts').stringList([...DEFAULT_CALICO_SERVICE_ACCOUNTS]),
    istioRootNamespace,
    allowedExternalIPs: parseAllowedNetworks(node.get('allowedExternalIPs')),
    meshExtensionOwners: parseSubjects(node.get('meshExtensionOwners'), [SECURITY_ADMINS]),
  };
}
