import { describeSubjects, isAmong } from '../../config/subjects.js';
import type { Invariant } from '../../engine/types.js';
import { asObject } from '../../util/json.js';
import { breakGlassNotice } from '../break-glass.js';
import { requestPolicyKind, specUnchanged } from './kinds.js';

const VERBS = { CREATE: 'creates', UPDATE: 'changes', DELETE: 'deletes' } as const;

/**
 * ZT-NET-009. An EnvoyFilter patches the proxy's configuration and a WasmPlugin runs code in its filter
 * chain, below every Istio API ztgate judges: either can drop the inbound authorization filter, accept
 * plaintext where PeerAuthentication says STRICT, or rewrite where traffic goes. No content check can
 * tell a safe patch from one that undoes ZT-NET-006 and ZT-NET-007, so, as with a protected tier, who
 * writes them is what is judged. A metadata-only update changes nothing the proxy sees and passes, so
 * controllers that label or annotate existing filters keep working.
 */
export const meshExtensionOwnership: Invariant = {
  id: 'ZT-NET-009',
  title: 'Only mesh extension owners write EnvoyFilters and WasmPlugins',
  rationale:
    'An EnvoyFilter or WasmPlugin changes the sidecar below the Istio APIs, so it can remove authorization, accept plaintext or reroute traffic whatever PeerAuthentication and AuthorizationPolicy say; only policy.meshExtensionOwners may create, change or delete one.',
  defaultMode: 'enforce',
  scope: 'protected',
  appliesTo: (request) => !request.subResource && request.operation !== 'CONNECT' && requestPolicyKind(request)?.family === 'mesh-extension',
  check(ctx) {
    if (specUnchanged(ctx)) return [];
    const owners = ctx.config.policy.meshExtensionOwners;
    const user = ctx.request.userInfo;
    if (isAmong(owners, user)) return [];
    const kind = ctx.request.kind.kind;
    const name = ctx.request.name ?? String(asObject((ctx.object ?? ctx.oldObject)?.['metadata'])?.['name'] ?? '');
    const action = `${VERBS[ctx.request.operation as keyof typeof VERBS]} ${kind} "${name}"`;
    const scope = ctx.request.namespace === ctx.config.policy.istioRootNamespace ? ' in the mesh root namespace, where it can apply to every workload,' : '';
    const path = ctx.request.operation === 'DELETE' ? 'metadata.name' : 'spec';
    const notice = breakGlassNotice(ctx, { path, action, guard: 'mesh extension ownership', reviewers: describeSubjects(owners) });
    if (notice) return [notice];
    return [
      {
        path,
        summary: `user "${user.username}" ${action}${scope} but is not one of policy.meshExtensionOwners`,
        why: 'it changes the sidecar below the Istio APIs, so it can drop authorization, accept plaintext or reroute traffic whatever PeerAuthentication and AuthorizationPolicy say',
        fix: `Ask ${describeSubjects(owners)} to make the change, or use an Istio API ztgate judges (AuthorizationPolicy, PeerAuthentication, DestinationRule)`,
      },
    ];
  },
};
