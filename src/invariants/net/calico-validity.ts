import { validateCalicoResource, type CalicoKind } from '../../calico/validate/index.js';
import type { Finding, Invariant } from '../../engine/types.js';
import { asObject } from '../../util/json.js';
import { CALICO_CRD_GROUP, requestPolicyKind } from './kinds.js';

/**
 * ZT-NET-004. crd.projectcalico.org/v1 is Calico's storage: the API server stores what it is given and
 * Felix finds out later, on every node. Checking here gives the author the error instead of the dataplane.
 */
export const calicoPolicyValidity: Invariant = {
  id: 'ZT-NET-004',
  title: 'Calico policies are valid, and written through Calico’s API',
  rationale:
    'crd.projectcalico.org/v1 is stored without Calico’s validation and bypasses tier RBAC, so a broken policy written there fails later in Felix; ztgate applies Calico’s validator and keeps that API group to Calico’s own service accounts.',
  defaultMode: 'enforce',
  // A broken policy breaks Felix on every node, whichever namespace it was written in.
  scope: 'everywhere',
  appliesTo(request) {
    const kind = requestPolicyKind(request);
    if (kind?.family !== 'calico-policy' && kind?.family !== 'calico-tier') return false;
    return request.operation === 'CREATE' || request.operation === 'UPDATE' || (request.operation === 'DELETE' && kind.crd);
  },
  check(ctx) {
    const kind = requestPolicyKind(ctx.request)!;
    const user = ctx.request.userInfo.username;
    const findings: Finding[] = [];
    if (kind.crd) {
      // Calico's own components write the storage API after validating; refusing them would wedge Calico.
      if (ctx.config.policy.calicoServiceAccounts.includes(user)) return [];
      findings.push({
        path: 'apiVersion',
        summary: `user "${user}" writes ${kind.gvk.kind} "${ctx.request.name ?? ''}" directly through ${CALICO_CRD_GROUP}/${kind.gvk.version}`,
        why: 'that API group is Calico’s storage: it skips Calico’s validation and tier RBAC',
        fix: 'Use projectcalico.org/v3 (through the Calico API server) instead',
      });
    }
    if (!ctx.object) return findings;
    const issues = validateCalicoResource(kind.gvk.kind as CalicoKind, ctx.object['metadata'], asObject(ctx.object['spec']) ?? ctx.object['spec']);
    for (const issue of issues) {
      findings.push({
        path: issue.path,
        summary: issue.message,
        why: 'Calico’s validator rejects it, and written through crd.projectcalico.org/v1 it would be stored unchecked and fail later in Felix',
        fix: 'Correct the field as Calico’s policy reference describes',
      });
    }
    return findings;
  },
};
