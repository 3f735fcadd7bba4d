import type { Finding, Invariant } from '../../engine/types.js';
import { podFindings } from './changes.js';
import { keyPath, quoted } from './fields.js';
import { isPodWrite } from './pod-specs.js';
import { flatMapArray } from '../../util/arrays.js';

const TRAFFIC = 'traffic.sidecar.istio.io/';

/** Which annotation values open a hole in the redirect, and what the hole is. */
const BYPASSES: readonly { key: string; bypasses(value: string): boolean; why: string }[] = [
  ...['excludeOutboundIPRanges', 'excludeOutboundPorts', 'excludeInboundPorts', 'excludeInterfaces'].map((name) => ({
    key: `${TRAFFIC}${name}`,
    bypasses: (value: string) => value.trim() !== '',
    why: 'traffic it excludes skips the sidecar, its mTLS and its policy',
  })),
  // Only the wildcard keeps everything redirected; an empty list redirects nothing.
  ...['includeOutboundIPRanges', 'includeInboundPorts'].map((name) => ({
    key: `${TRAFFIC}${name}`,
    bypasses: (value: string) => value.trim() !== '*',
    why: 'traffic it does not include skips the sidecar, its mTLS and its policy',
  })),
  {
    key: 'sidecar.istio.io/interceptionMode',
    bypasses: (value: string) => value.trim().toUpperCase() === 'NONE',
    why: 'the sidecar then sets up no redirect, so all traffic skips it',
  },
];

/**
 * ZT-POD-005. Istio's injector turns these annotations into iptables exclusions; in a protected
 * namespace each one is a hole in the mesh, so each needs a named, expiring exception.
 */
export const noBypassAnnotations: Invariant = {
  id: 'ZT-POD-005',
  title: 'No annotation excludes traffic from the sidecar redirect',
  rationale:
    "Istio turns the traffic.sidecar.istio.io/exclude* and include* annotations and interceptionMode NONE into holes in the iptables redirect; traffic through them skips the sidecar's mTLS and policy.",
  defaultMode: 'enforce',
  scope: 'protected',
  appliesTo: isPodWrite,
  check: (ctx) =>
    podFindings(ctx, (pod) =>
      flatMapArray(BYPASSES, ({ key, bypasses, why }): Finding[] => {
        const value = pod.annotations[key];
        if (value === undefined || !bypasses(value)) return [];
        return [
          {
            path: keyPath(`${pod.metadataPath}.annotations`, key),
            summary: `annotation ${key} is ${quoted(value)}`,
            why,
            fix: 'Remove the annotation, or add an exception for this namespace',
          },
        ];
      }),
    ),
};
