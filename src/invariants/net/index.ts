import type { Invariant } from '../../engine/types.js';
import { noAllowAllInProtectedTier } from './allow-all-tier.js';
import { twoIdentities } from './dual-identity.js';
import { tierOwnership } from './tier-ownership.js';
import { calicoPolicyValidity } from './calico-validity.js';
import { k8sNetworkPolicyPeers } from './k8s-network-policy.js';
import { mtlsStaysStrict } from './mtls-strict.js';
import { noAllowAllAuthorization } from './authz-allow-all.js';
import { externalIPsAllowed } from './external-ips.js';
import { meshExtensionOwnership } from './mesh-extensions.js';
import { virtualServiceHosts } from './virtual-service-hosts.js';
import { serviceEntryEndpoints } from './service-entry-endpoints.js';

/** Network and mesh policy invariants (ZT-NET-*), in id order. */
export const netInvariants: readonly Invariant[] = [
  noAllowAllInProtectedTier,
  twoIdentities,
  tierOwnership,
  calicoPolicyValidity,
  k8sNetworkPolicyPeers,
  mtlsStaysStrict,
  noAllowAllAuthorization,
  externalIPsAllowed,
  meshExtensionOwnership,
  virtualServiceHosts,
  serviceEntryEndpoints,
];
