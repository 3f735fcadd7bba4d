import type { AdmissionRequest } from '../admission/types.js';
import type { Facts } from '../engine/types.js';
import { isVirtualServiceWrite } from '../invariants/net/mesh-export.js';
import { namespacesToLookUp } from '../invariants/net/mesh-hosts.js';
import { asArray, asObject, stringMap } from '../util/json.js';
import type { NamespaceSource } from './types.js';

/**
 * The labels of the request's namespace as last stored. For a Namespace under review the API server
 * names the namespace itself, so these are its labels before the change (none for a new one); what the
 * change does to them is in the request's object and oldObject (ZT-NS-001). Default when nothing is
 * known: no labels. For a VirtualService, also which namespaces its bare `<service>.<namespace>`
 * hosts would name exist (ZT-NET-010); an unknown one counts as absent.
 */
export function gatherFacts(request: AdmissionRequest, namespaces: NamespaceSource, now: Date): Facts {
  const name = request.namespace;
  const namespaceObject = name ? namespaces.get(name) : undefined;
  const facts: Facts = {
    namespaceLabels: stringMap(asObject(namespaceObject?.['metadata'])?.['labels']),
    now,
  };
  if (namespaceObject) facts.namespaceObject = namespaceObject;
  // Looked up only for the reviews ZT-NET-010 judges, so every other review pays one group compare.
  if (isVirtualServiceWrite(request)) {
    const named = namespacesToLookUp(asArray(asObject(request.object?.['spec'])?.['hosts']));
    if (named.length > 0) facts.existingNamespaces = new Set(named.filter((namespace) => namespaces.get(namespace) !== undefined));
  }
  return facts;
}
