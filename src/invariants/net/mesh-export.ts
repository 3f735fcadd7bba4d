import type { AdmissionRequest } from '../../admission/types.js';
import type { CheckContext } from '../../engine/types.js';
import { asArray, asObject, type JsonObject } from '../../util/json.js';
import { isWrite, specUnchanged } from './kinds.js';

const VERSIONS = new Set(['v1', 'v1beta1', 'v1alpha3']);

/** appliesTo for writes (CREATE, UPDATE) of one networking.istio.io kind, not of its status. */
function istioNetworkingWrites(kind: string): (request: AdmissionRequest) => boolean {
  return (request) =>
    request.kind.group === 'networking.istio.io' && request.kind.kind === kind && VERSIONS.has(request.kind.version) && !request.subResource && isWrite(request);
}

export const isVirtualServiceWrite = istioNetworkingWrites('VirtualService');
export const isServiceEntryWrite = istioNetworkingWrites('ServiceEntry');

/** A routing object under review whose spec reaches other namespaces' sidecars, as the checks read it. */
export interface ExportedRouting {
  spec: JsonObject;
  name: string;
  ownNamespace: string;
  /** Who follows it beyond its namespace, for the message (clientsBeyond). */
  clients: string;
}

/**
 * What ZT-NET-010 and ZT-NET-011 both check first: a spec that changed (metadata-only updates pass) and
 * is exported beyond its namespace. Undefined when there is nothing more to judge.
 */
export function exportedRouting(ctx: CheckContext): ExportedRouting | undefined {
  if (specUnchanged(ctx)) return undefined;
  const spec = asObject(ctx.object?.['spec']);
  if (!spec) return undefined;
  const ownNamespace = ctx.request.namespace ?? '';
  const clients = clientsBeyond(spec, ownNamespace);
  if (clients === undefined) return undefined;
  const name = ctx.request.name ?? String(asObject(ctx.object?.['metadata'])?.['name'] ?? '');
  return { spec, name, ownNamespace, clients };
}

/**
 * The namespaces other than its own whose sidecars an Istio routing object (VirtualService,
 * ServiceEntry) reaches, described for a message, or undefined when only its own do. No exportTo means
 * Istio's default, every namespace (a mesh may narrow the default in meshConfig, which ztgate cannot
 * see, so it is not assumed). `.` and the object's own namespace name are its own; `~` is no one.
 */
function clientsBeyond(spec: JsonObject, ownNamespace: string): string | undefined {
  const exportTo = asArray(spec['exportTo']);
  if (exportTo.length === 0) return 'every namespace (it sets no exportTo, and Istio exports to every namespace by default)';
  const others = exportTo.filter((entry) => entry !== '.' && entry !== '~' && entry !== ownNamespace);
  if (others.length === 0) return undefined;
  if (others.includes('*')) return 'every namespace (exportTo "*")';
  return `namespace${others.length > 1 ? 's' : ''} ${others.map((entry) => JSON.stringify(entry)).join(', ')} (exportTo)`;
}
