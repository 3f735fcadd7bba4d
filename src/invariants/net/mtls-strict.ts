import type { CheckContext, Finding, Invariant } from '../../engine/types.js';
import { asArray, asObject, asString, type JsonObject } from '../../util/json.js';
import { requestPolicyKind, specUnchanged, writesOf } from './kinds.js';
import { isInMeshHost } from './mesh-hosts.js';

const STRICT_FIX = 'Set the mode to STRICT';
const PLAINTEXT_WHY = 'workloads would accept connections that carry no mesh identity, so identity-based policy no longer holds';
const MESH_PLAINTEXT_WHY =
  'every workload of the mesh without a PeerAuthentication of its own would accept connections that carry no mesh identity, so identity-based policy no longer holds';

/** A workload-level PeerAuthentication has a selector with labels; it may inherit with UNSET. */
function isWorkloadLevel(spec: JsonObject): boolean {
  return Object.keys(asObject(asObject(spec['selector'])?.['matchLabels']) ?? {}).length > 0;
}

function peerAuthenticationFindings(ctx: CheckContext, spec: JsonObject): Finding[] {
  const findings: Finding[] = [];
  const mtls = asObject(spec['mtls']);
  const mode = asString(mtls?.['mode']) ?? 'UNSET';
  const path = mtls ? 'spec.mtls.mode' : 'spec.mtls';
  const meshWide = ctx.request.namespace === ctx.config.policy.istioRootNamespace && !isWorkloadLevel(spec);
  if (mode === 'UNSET' && !isWorkloadLevel(spec)) {
    findings.push({
      path,
      summary: `${meshWide ? 'mesh-wide' : 'namespace-wide'} PeerAuthentication leaves the mTLS mode UNSET`,
      why: 'with no parent policy UNSET means PERMISSIVE, so workloads accept plaintext',
      fix: STRICT_FIX,
    });
  } else if (mode !== 'UNSET' && mode !== 'STRICT') {
    // From the root namespace the mode reaches every workload whose namespace sets none of its own.
    const summary = `${meshWide ? 'mesh-wide ' : ''}PeerAuthentication sets the mTLS mode to ${mode}`;
    findings.push({ path, summary, why: meshWide ? MESH_PLAINTEXT_WHY : PLAINTEXT_WHY, fix: STRICT_FIX });
  }
  for (const [port, value] of Object.entries(asObject(spec['portLevelMtls']) ?? {})) {
    const portMode = asString(asObject(value)?.['mode']) ?? 'UNSET';
    if (portMode === 'STRICT') continue;
    findings.push({
      path: `spec.portLevelMtls.${port}.mode`,
      summary: `PeerAuthentication sets the mTLS mode of port ${port} to ${portMode}`,
      why: PLAINTEXT_WHY,
      fix: STRICT_FIX,
    });
  }
  return findings;
}

const WEAK_TLS_MODES = ['DISABLE', 'SIMPLE'];

function trafficPolicyFindings(policy: JsonObject | undefined, path: string, host: string): Finding[] {
  if (!policy) return [];
  const settings: [JsonObject | undefined, string, string][] = [[asObject(policy['tls']), `${path}.tls.mode`, '']];
  asArray(policy['portLevelSettings']).forEach((value, i) => {
    const setting = asObject(value);
    const port = asObject(setting?.['port'])?.['number'];
    settings.push([asObject(setting?.['tls']), `${path}.portLevelSettings[${i}].tls.mode`, port === undefined ? '' : ` on port ${port}`]);
  });
  return settings.flatMap(([tls, at, port]) => {
    const mode = asString(tls?.['mode']);
    if (mode === undefined || !WEAK_TLS_MODES.includes(mode)) return [];
    return [
      {
        path: at,
        summary: `DestinationRule sets tls.mode ${mode}${port} toward in-mesh host "${host}"`,
        why:
          mode === 'DISABLE'
            ? 'clients send plaintext to a service that should only be reached over mutual TLS'
            : 'SIMPLE TLS presents no client certificate, so the server cannot tell who is calling',
        fix: 'Use ISTIO_MUTUAL, or remove tls so Istio’s automatic mutual TLS applies',
      },
    ];
  });
}

function destinationRuleFindings(spec: JsonObject): Finding[] {
  const host = asString(spec['host']) ?? '';
  if (!isInMeshHost(host)) return [];
  return [
    ...trafficPolicyFindings(asObject(spec['trafficPolicy']), 'spec.trafficPolicy', host),
    ...asArray(spec['subsets']).flatMap((subset, i) =>
      trafficPolicyFindings(asObject(asObject(subset)?.['trafficPolicy']), `spec.subsets[${i}].trafficPolicy`, host),
    ),
  ];
}

/** ZT-NET-006. Mutual TLS is what gives every connection a verifiable identity; it must not be relaxed. */
export const mtlsStaysStrict: Invariant = {
  id: 'ZT-NET-006',
  title: 'Mutual TLS stays strict',
  rationale:
    'Identity-based policy only holds while every connection carries a mesh certificate; PERMISSIVE or DISABLE peer authentication, and DISABLE or SIMPLE TLS toward mesh services, let unauthenticated traffic through.',
  defaultMode: 'enforce',
  scope: 'protected',
  appliesTo: writesOf('peer-authentication', 'destination-rule'),
  check(ctx) {
    if (specUnchanged(ctx)) return [];
    const spec = asObject(ctx.object?.['spec']) ?? {};
    return requestPolicyKind(ctx.request)?.family === 'peer-authentication' ? peerAuthenticationFindings(ctx, spec) : destinationRuleFindings(spec);
  },
};
