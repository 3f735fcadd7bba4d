import type { Finding, Invariant } from '../../engine/types.js';
import { podFindings } from './changes.js';
import { addedCapabilities, containersOf, isInjected, securityContextOf, type ContainerRef } from './containers.js';
import { isPodWrite } from './pod-specs.js';
import { flatMapArray } from '../../util/arrays.js';

/** What each forbidden capability lets a process do to the sidecar. */
const FORBIDDEN: Readonly<Record<string, string>> = {
  NET_ADMIN: "it can rewrite the sidecar's iptables redirect",
  NET_RAW: 'it can send raw packets that the sidecar never sees',
  ALL: "it includes NET_ADMIN and NET_RAW, which rewrite or bypass the sidecar's redirect",
};

/** The containers ztgate's injector adds to set up the redirect; they need NET_ADMIN by design. */
const INJECTED_REDIRECT_CONTAINERS: readonly string[] = ['istio-init', 'istio-validation'];

/** The ZT-POD-003 rules for one container; shared with ZT-POD-008 for `kubectl debug` containers. */
export function capabilityFindings(ref: ContainerRef): Finding[] {
  const securityContext = securityContextOf(ref);
  const findings: Finding[] = [];
  if (securityContext['privileged'] === true) {
    findings.push({
      path: `${ref.path}.securityContext.privileged`,
      summary: `${ref.label} is privileged`,
      why: "it holds every capability and can rewrite the sidecar's iptables redirect",
      fix: 'Remove privileged: true, or add an exception',
    });
  }
  const added = addedCapabilities(ref);
  for (const capability of new Set(added)) {
    const why = FORBIDDEN[capability];
    if (!why) continue;
    findings.push({
      path: `${ref.path}.securityContext.capabilities.add`,
      summary: `${ref.label} adds capability ${capability}`,
      why,
      fix: 'Remove it, or add an exception',
    });
  }
  if (added.length > 0 && securityContext['allowPrivilegeEscalation'] === true) {
    findings.push({
      path: `${ref.path}.securityContext.allowPrivilegeEscalation`,
      summary: `${ref.label} allows privilege escalation while adding capabilities`,
      why: 'any process in it can regain the added capabilities through a setuid or file-capability binary',
      fix: 'Set allowPrivilegeEscalation: false, or add an exception',
    });
  }
  return findings;
}

/**
 * ZT-POD-003. Envoy runs in the Pod's own network namespace: a container that may change that
 * namespace's iptables or open raw sockets can route traffic around the proxy.
 */
export const noRedirectCapabilities: Invariant = {
  id: 'ZT-POD-003',
  title: 'No container can rewrite or bypass the traffic redirect',
  rationale:
    "Envoy runs in the Pod's own network namespace; a privileged container, or one that adds NET_ADMIN, NET_RAW or ALL, can rewrite the iptables redirect or send raw packets around the proxy.",
  defaultMode: 'enforce',
  scope: 'protected',
  appliesTo: isPodWrite,
  check: (ctx) =>
    podFindings(ctx, (pod) =>
      flatMapArray(
        containersOf(pod).filter((ref) => !isInjected(ctx, pod, ref, INJECTED_REDIRECT_CONTAINERS)),
        capabilityFindings,
      ),
    ),
};
