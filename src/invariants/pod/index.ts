import type { Invariant } from '../../engine/types.js';
import { noBypassAnnotations } from './bypass-annotations.js';
import { noRedirectCapabilities } from './capabilities.js';
import { ephemeralContainers } from './ephemeral-containers.js';
import { noHostNamespaces } from './host-namespaces.js';
import { identityLabelIntegrity } from './identity-labels.js';
import { notProxyIdentity } from './proxy-uid.js';
import { dedicatedServiceAccount } from './service-account.js';
import { sidecarPresent } from './sidecar-present.js';

/** Workload invariants (ZT-POD-*), in id order. */
export const podInvariants: readonly Invariant[] = [
  dedicatedServiceAccount,
  noHostNamespaces,
  noRedirectCapabilities,
  notProxyIdentity,
  noBypassAnnotations,
  sidecarPresent,
  identityLabelIntegrity,
  ephemeralContainers,
];
