import type { AdmissionRequest } from '../../admission/types.js';
import { networkContains, parseIp } from '../../calico/ip.js';
import type { AllowedNetwork } from '../../calico/config.js';
import type { Finding, Invariant } from '../../engine/types.js';
import { asArray, asObject } from '../../util/json.js';
import { isWrite } from './kinds.js';

function isServiceWrite(request: AdmissionRequest): boolean {
  const { group, version, kind } = request.kind;
  return group === '' && version === 'v1' && kind === 'Service' && !request.subResource && isWrite(request);
}

function externalIPsOf(object: unknown): unknown[] {
  return asArray(asObject(asObject(object)?.['spec'])?.['externalIPs']);
}

function whyAllowed(text: string, allowed: readonly AllowedNetwork[]): 'allowed' | 'not-an-address' | 'outside' {
  const address = parseIp(text);
  if (!address) return 'not-an-address';
  return allowed.some(({ network }) => networkContains(network, address)) ? 'allowed' : 'outside';
}

const WHY =
  'every node then routes the cluster’s traffic for that address to this Service, so it can intercept connections meant for a host it does not own (CVE-2020-8554)';

/**
 * ZT-NET-008. Any Service may claim any address in spec.externalIPs, and every node then routes the
 * cluster's traffic for it to that Service: a network identity taken by whoever may create a Service.
 * It runs everywhere, because a Service in an unprotected namespace intercepts protected workloads'
 * traffic as well as any other. As the API server's DenyServiceExternalIPs plugin does, an update is
 * judged only on the addresses it adds, so Services that held them before ztgate keep working.
 */
export const externalIPsAllowed: Invariant = {
  id: 'ZT-NET-008',
  title: 'Services claim no external address outside the allowed ranges',
  rationale:
    'A Service’s externalIPs make every node route the cluster’s traffic for those addresses to the Service (CVE-2020-8554), so whoever may create a Service could take over an address that policy trusts; only the ranges the config allows may be claimed.',
  defaultMode: 'enforce',
  scope: 'everywhere',
  appliesTo: isServiceWrite,
  check(ctx) {
    const requested = externalIPsOf(ctx.object);
    if (requested.length === 0) return [];
    const held = new Set(ctx.request.operation === 'UPDATE' ? externalIPsOf(ctx.oldObject) : []);
    const allowed = ctx.config.policy.allowedExternalIPs;
    const ranges = allowed.length === 0 ? 'none are allowed' : `allowed: ${allowed.map(({ text }) => text).join(', ')}`;
    const fix = `Remove it from spec.externalIPs and expose the Service with type LoadBalancer, an Ingress or a Gateway, or ask the security team to add its range to policy.allowedExternalIPs (${ranges})`;
    const findings: Finding[] = [];
    requested.forEach((value, i) => {
      if (held.has(value)) return;
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      const path = `spec.externalIPs[${i}]`;
      const verdict = whyAllowed(text, allowed);
      if (verdict === 'allowed') return;
      const summary =
        verdict === 'not-an-address'
          ? `external IP ${JSON.stringify(text)} is not an IP address, so ztgate cannot tell which host it claims`
          : `the Service claims external IP ${text}, outside policy.allowedExternalIPs`;
      findings.push({ path, summary, why: WHY, fix });
    });
    return findings;
  },
};
