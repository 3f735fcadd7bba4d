import { isDeepStrictEqual } from 'node:util';
import type { AdmissionRequest } from '../../admission/types.js';
import type { Invariant } from '../../engine/types.js';
import { capabilityFindings } from './capabilities.js';
import { containersOf } from './containers.js';
import { podViewOf } from './pod-specs.js';
import { proxyIdentityFindings } from './proxy-uid.js';
import { flatMapArray } from '../../util/arrays.js';

function isDebugRequest(request: AdmissionRequest): boolean {
  return (
    request.operation === 'UPDATE' &&
    request.subResource === 'ephemeralcontainers' &&
    request.resource.group === '' &&
    request.resource.resource === 'pods'
  );
}

/**
 * ZT-POD-008. `kubectl debug` adds containers to a running Pod through the ephemeralcontainers
 * subresource, which the Pod invariants never see; a debug container with NET_ADMIN or the proxy's
 * UID escapes the sidecar as surely as an app container would.
 */
export const ephemeralContainers: Invariant = {
  id: 'ZT-POD-008',
  title: 'Debug containers obey the capability and UID rules',
  rationale:
    'kubectl debug adds ephemeral containers through a subresource that bypasses the Pod checks; a debug container that is privileged, adds NET_ADMIN or NET_RAW, or runs as the proxy UID escapes the sidecar like any other.',
  defaultMode: 'enforce',
  scope: 'protected',
  appliesTo: isDebugRequest,
  check(ctx) {
    const pod = podViewOf('Pod', ctx.object);
    if (ctx.request.kind.kind !== 'Pod' || !pod) {
      // Since Kubernetes 1.22 the subresource carries the whole Pod; anything else cannot be checked.
      return [
        {
          path: 'spec.ephemeralContainers',
          summary: `the ephemeralcontainers request carries kind ${ctx.request.kind.kind}, not Pod`,
          why: 'ztgate cannot check debug containers it cannot read',
          fix: 'Use a Kubernetes version whose ephemeralcontainers subresource sends a Pod (1.22 or later)',
        },
      ];
    }
    // Ephemeral containers can be added but never changed or removed, so only new ones need review.
    const before = podViewOf('Pod', ctx.oldObject);
    const existing = new Map(before ? containersOf(before, ['ephemeralContainers']).map((ref) => [ref.name, ref.container]) : []);
    return flatMapArray(
      containersOf(pod, ['ephemeralContainers']).filter((ref) => !isDeepStrictEqual(existing.get(ref.name), ref.container)),
      (ref) => [...capabilityFindings(ref), ...proxyIdentityFindings(ref, ctx.config.injection)],
    );
  },
};
