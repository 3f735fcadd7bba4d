import type { InjectionConfig } from '../../inject/config.js';
import type { Finding, Invariant } from '../../engine/types.js';
import { asObject, type JsonObject } from '../../util/json.js';
import { podFindings } from './changes.js';
import { containersOf, isInjected, securityContextOf, type ContainerRef } from './containers.js';
import { isPodWrite } from './pod-specs.js';
import { flatMapArray } from '../../util/arrays.js';

/** The injected containers that run as the proxy by design (the init container runs as root). */
const INJECTED_PROXY_CONTAINERS: readonly string[] = ['istio-proxy', 'istio-validation', 'istio-init'];

const WHY = "the sidecar's iptables rules exempt the proxy's own traffic, so traffic from it skips the redirect";

/** Where a securityContext sits and how a message names its owner; asked for only when there is a finding. */
type Owner = () => { path: string; subject: string };

function identityFinding(owner: Owner, field: string, what: string, id: number): Finding {
  const { path, subject } = owner();
  return {
    path: `${path}.${field}`,
    summary: `${subject} runs as the proxy's ${what} ${id}`,
    why: WHY,
    fix: `Choose another ${field}, or add an exception`,
  };
}

function identityFindings(securityContext: JsonObject, owner: Owner, injection: InjectionConfig): Finding[] {
  const findings: Finding[] = [];
  if (securityContext['runAsUser'] === injection.proxyUID) findings.push(identityFinding(owner, 'runAsUser', 'UID', injection.proxyUID));
  if (securityContext['runAsGroup'] === injection.proxyGID) findings.push(identityFinding(owner, 'runAsGroup', 'GID', injection.proxyGID));
  return findings;
}

/** The ZT-POD-004 rules for one container; shared with ZT-POD-008 for `kubectl debug` containers. */
export function proxyIdentityFindings(ref: ContainerRef, injection: InjectionConfig): Finding[] {
  return identityFindings(securityContextOf(ref), () => ({ path: `${ref.path}.securityContext`, subject: ref.label }), injection);
}

/**
 * ZT-POD-004. The redirect matches on the socket owner: packets from the proxy's UID or GID go out
 * directly so that Envoy does not loop. Any other process running as them escapes the sidecar.
 */
export const notProxyIdentity: Invariant = {
  id: 'ZT-POD-004',
  title: "No container runs as the proxy's UID or GID",
  rationale:
    "The sidecar's iptables rules let traffic from the proxy's UID and GID (1337 by default) out directly so Envoy does not loop; any other process running as them skips the redirect.",
  defaultMode: 'enforce',
  scope: 'protected',
  appliesTo: isPodWrite,
  check: (ctx) =>
    podFindings(ctx, (pod) => [
      ...identityFindings(
        asObject(pod.spec['securityContext']) ?? {},
        () => ({ path: `${pod.specPath}.securityContext`, subject: 'the Pod' }),
        ctx.config.injection,
      ),
      ...flatMapArray(
        containersOf(pod).filter((ref) => !isInjected(ctx, pod, ref, INJECTED_PROXY_CONTAINERS)),
        (ref) => proxyIdentityFindings(ref, ctx.config.injection),
      ),
    ]),
};
