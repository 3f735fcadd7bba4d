import type { AdmissionRequest } from '../admission/types.js';
import type { Facts } from '../engine/types.js';
import { asObject, stringMap } from '../util/json.js';
import type { NamespaceSource } from './types.js';

/**
 * For a Namespace object under review its own labels are the facts (a new namespace is not in the cache
 * yet). Default when nothing is known: no labels.
 */
export function gatherFacts(request: AdmissionRequest, namespaces: NamespaceSource, now: Date): Facts {
  const name = request.namespace;
  const namespaceObject = name ? namespaces.get(name) : undefined;
  const facts: Facts = {
    namespaceLabels: stringMap(asObject(namespaceObject?.['metadata'])?.['labels']),
    now,
  };
  if (namespaceObject) facts.namespaceObject = namespaceObject;
  return facts;
}
