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

/** The namespace labels that put a namespace in the mesh. */
export const MESH_LABELS: Readonly<Record<string, string>> = { 'istio-injection': 'enabled', 'ztgate.io/mesh': 'enabled' };

const MESH_LABEL_ENTRIES = Object.entries(MESH_LABELS);

export function isMeshNamespace(namespaceLabels: Record<string, string>): boolean {
  return MESH_LABEL_ENTRIES.some(([key, value]) => namespaceLabels[key] === value);
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
