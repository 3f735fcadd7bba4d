import { isDeepStrictEqual } from 'node:util';
import type { AdmissionRequest, GroupVersionKind } from '../../admission/types.js';
import type { CalicoKind } from '../../calico/validate/index.js';
import type { CheckContext } from '../../engine/types.js';

export type PolicyFamily =
  | 'calico-policy'
  | 'calico-tier'
  | 'k8s-network-policy'
  | 'peer-authentication'
  | 'authorization-policy'
  | 'destination-rule'
  | 'mesh-extension';

export interface PolicyKind {
  family: PolicyFamily;
  gvk: GroupVersionKind;
  /** crd.projectcalico.org/v1: Calico's storage API, written without its API server's checks. */
  crd: boolean;
  staged: boolean;
  /** Cluster-scoped policy kinds (GlobalNetworkPolicy and its staged form, Tier). */
  global: boolean;
}

export const CALICO_GROUP = 'projectcalico.org';
export const CALICO_CRD_GROUP = 'crd.projectcalico.org';

const CALICO_FAMILIES: Record<CalicoKind, PolicyFamily> = {
  NetworkPolicy: 'calico-policy',
  GlobalNetworkPolicy: 'calico-policy',
  StagedNetworkPolicy: 'calico-policy',
  StagedGlobalNetworkPolicy: 'calico-policy',
  Tier: 'calico-tier',
};

/** The API versions ztgate understands per group; other versions are not reviewed by these invariants. */
const OTHER_KINDS: Record<string, { versions: readonly string[]; kinds: Partial<Record<string, PolicyFamily>> }> = {
  'networking.k8s.io': { versions: ['v1'], kinds: { NetworkPolicy: 'k8s-network-policy' } },
  'security.istio.io': {
    versions: ['v1', 'v1beta1'],
    kinds: { PeerAuthentication: 'peer-authentication', AuthorizationPolicy: 'authorization-policy' },
  },
  // EnvoyFilter is served as v1alpha3 and WasmPlugin as v1alpha1 today; a later version of either is still one.
  'networking.istio.io': { versions: ['v1', 'v1beta1', 'v1alpha3'], kinds: { DestinationRule: 'destination-rule', EnvoyFilter: 'mesh-extension' } },
  'extensions.istio.io': { versions: ['v1alpha1', 'v1beta1', 'v1'], kinds: { WasmPlugin: 'mesh-extension' } },
};

export function policyKindOf(gvk: GroupVersionKind): PolicyKind | undefined {
  const calicoVersion = gvk.group === CALICO_GROUP ? 'v3' : gvk.group === CALICO_CRD_GROUP ? 'v1' : undefined;
  if (calicoVersion !== undefined) {
    if (gvk.version !== calicoVersion || !Object.hasOwn(CALICO_FAMILIES, gvk.kind)) return undefined;
    return {
      family: CALICO_FAMILIES[gvk.kind as CalicoKind],
      gvk,
      crd: gvk.group === CALICO_CRD_GROUP,
      staged: gvk.kind.startsWith('Staged'),
      global: gvk.kind.includes('Global') || gvk.kind === 'Tier',
    };
  }
  const group = OTHER_KINDS[gvk.group];
  const family = group?.versions.includes(gvk.version) ? group.kinds[gvk.kind] : undefined;
  return family ? { family, gvk, crd: false, staged: false, global: false } : undefined;
}

/** The policy kind of a request to the object itself (status and other subresources are not policy). */
export function requestPolicyKind(request: AdmissionRequest): PolicyKind | undefined {
  if (request.subResource) return undefined;
  return policyKindOf(request.kind);
}

export function isWrite(request: AdmissionRequest): boolean {
  return request.operation === 'CREATE' || request.operation === 'UPDATE';
}

/** appliesTo for invariants that read the new object of one family on CREATE and UPDATE. */
export function writesOf(...families: PolicyFamily[]): (request: AdmissionRequest) => boolean {
  return (request) => {
    const family = requestPolicyKind(request)?.family;
    return family !== undefined && isWrite(request) && families.includes(family);
  };
}

/**
 * An UPDATE that leaves spec alone (labels, annotations, finalizers) cannot open anything, so the
 * content invariants let it through; otherwise a policy written before ztgate arrived would block
 * every controller that touches its metadata. Once the spec changes, every violation in it counts.
 */
export function specUnchanged(ctx: CheckContext): boolean {
  const { request, object, oldObject } = ctx;
  return request.operation === 'UPDATE' && object !== undefined && oldObject !== undefined && isDeepStrictEqual(object['spec'], oldObject['spec']);
}
