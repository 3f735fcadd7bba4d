import type { Finding, Invariant } from '../../engine/types.js';
import { asString } from '../../util/json.js';
import { podFindings } from './changes.js';
import { containersOf, type ContainerRef } from './containers.js';
import { keyPath, quoted } from './fields.js';
import { isPodWrite, type PodView } from './pod-specs.js';

const PROXY_NAME = 'istio-proxy';
const INJECT_KEY = 'sidecar.istio.io/inject';
/** Istio reads these values (YAML 1.1 booleans) as yes; any other non-empty value disables injection. */
const INJECT_YES = ['y', 'yes', 'true', 'on'];

const INJECTION_LABEL = 'istio-injection';
const REVISION_LABEL = 'istio.io/rev';
const ZTGATE_MESH_LABEL = 'ztgate.io/mesh';

/** The namespace labels that decide whether a namespace is in the mesh, in the order Istio reads them. */
export const MESH_LABEL_KEYS: readonly string[] = [INJECTION_LABEL, REVISION_LABEL, ZTGATE_MESH_LABEL];

/**
 * In the mesh: `istio-injection=enabled`, `ztgate.io/mesh=enabled`, or a revision label `istio.io/rev`
 * (any revision: its istiod injects the same istio-proxy) where `istio-injection` is absent, since
 * Istio's revisioned webhooks select `istio-injection DoesNotExist` and so that label wins.
 */
export function isMeshNamespace(namespaceLabels: Record<string, string>): boolean {
  if (namespaceLabels[INJECTION_LABEL] === 'enabled' || namespaceLabels[ZTGATE_MESH_LABEL] === 'enabled') return true;
  return !Object.hasOwn(namespaceLabels, INJECTION_LABEL) && (namespaceLabels[REVISION_LABEL] ?? '') !== '';
}

/** The proxy as a classic sidecar, or as a native sidecar (an init container that keeps running). */
function isProxy(ref: ContainerRef): boolean {
  if (ref.name !== PROXY_NAME) return false;
  return ref.list === 'containers' || (ref.list === 'initContainers' && asString(ref.container['restartPolicy']) === 'Always');
}

function optOut(pod: PodView): Finding | undefined {
  for (const [where, values] of [
    ['labels', pod.labels],
    ['annotations', pod.annotations],
  ] as const) {
    const value = values[INJECT_KEY];
    if (value === undefined || value.trim() === '' || INJECT_YES.includes(value.trim().toLowerCase())) continue;
    return {
      path: keyPath(`${pod.metadataPath}.${where}`, INJECT_KEY),
      summary: `sidecar injection is turned off with ${INJECT_KEY}: ${quoted(value)}`,
      why: 'the Pod would run in a mesh namespace without its proxy, outside mTLS and policy',
      fix: `Remove ${INJECT_KEY}, or add an exception`,
    };
  }
  return undefined;
}

/**
 * ZT-POD-006. The mutating webhook fails open so that an outage cannot stop the cluster; this check on
 * the validated, final Pod is what keeps a Pod without its proxy out of a mesh namespace. Templates
 * never carry the proxy (it is injected into each Pod), so for controllers only the opt-out counts.
 */
export const sidecarPresent: Invariant = {
  id: 'ZT-POD-006',
  title: 'Pods in mesh namespaces carry the sidecar proxy',
  rationale:
    'The mutating webhook that injects the proxy fails open; checking the final Pod in every mesh namespace keeps a Pod without its sidecar, or one that opts out of injection, from running outside mTLS and policy.',
  defaultMode: 'enforce',
  scope: 'protected',
  appliesTo: isPodWrite,
  check(ctx) {
    if (!isMeshNamespace(ctx.facts.namespaceLabels)) return [];
    return podFindings(ctx, (pod) => {
      const disabled = optOut(pod);
      if (disabled) return [disabled];
      if (ctx.request.kind.kind !== 'Pod' || containersOf(pod, ['containers', 'initContainers']).some(isProxy)) return [];
      return [
        {
          path: `${pod.specPath}.containers`,
          summary: `the Pod has no ${PROXY_NAME} sidecar in a mesh namespace`,
          why: 'injection did not happen (the mutating webhook fails open), so its traffic would skip mTLS and policy',
          fix: 'Check that the ztgate mutating webhook is running and recreate the Pod, or add an exception',
        },
      ];
    });
  },
};
