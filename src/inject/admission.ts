import type { AdmissionRequest } from '../admission/types.js';
import type { Config } from '../config/types.js';
import type { Facts } from '../engine/types.js';
import type { JsonObject } from '../util/json.js';

export interface MutationContext {
  request: AdmissionRequest;
  facts: Facts;
  config: Config;
  protectedNamespace: boolean;
}

export interface MutationResult {
  /** The mutated clone of request.object; undefined when nothing changes. Never the original. */
  mutated?: JsonObject;
  /** Set when the request must be refused (an invalid injection annotation): names the annotation. */
  denial?: string;
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/** Sidecar injection and identity labels for one request. (Owned by the injection module.) */
export function mutateObject(_ctx: MutationContext): MutationResult {
  return { warnings: [], auditAnnotations: {} };
}
