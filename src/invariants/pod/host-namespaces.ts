import type { Finding, Invariant } from '../../engine/types.js';
import { podFindings } from './changes.js';
import { isPodWrite } from './pod-specs.js';

const HOST_NAMESPACES: readonly { field: string; why: string }[] = [
  {
    field: 'hostNetwork',
    why: "the Pod shares the node's network namespace, where the sidecar's iptables redirect does not apply",
  },
  { field: 'hostPID', why: "the Pod sees every process on the node and can enter other Pods' network namespaces" },
  { field: 'hostIPC', why: "the Pod shares the node's IPC namespace and can read other workloads' shared memory" },
];

/**
 * ZT-POD-002. Envoy only intercepts traffic in the Pod's own network namespace; on the host's network
 * a Pod sends and receives around every proxy, and host PID/IPC reach into other workloads.
 */
export const noHostNamespaces: Invariant = {
  id: 'ZT-POD-002',
  title: 'Pods do not share the host network, PID or IPC namespace',
  rationale:
    "Envoy intercepts traffic only inside the Pod's own network namespace; a Pod on the host network bypasses every sidecar, and hostPID/hostIPC expose other workloads' processes, traffic and memory.",
  defaultMode: 'enforce',
  scope: 'protected',
  appliesTo: isPodWrite,
  check: (ctx) =>
    podFindings(ctx, (pod) =>
      HOST_NAMESPACES.filter(({ field }) => pod.spec[field] === true).map(
        ({ field, why }): Finding => ({
          path: `${pod.specPath}.${field}`,
          summary: `the Pod sets ${field}: true`,
          why,
          fix: `Remove ${field}, or add an exception`,
        }),
      ),
    ),
};
