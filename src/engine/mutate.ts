import type { AdmissionRequest } from '../admission/types.js';
import type { Config } from '../config/types.js';
import { mutateObject } from '../inject/admission.js';
import type { JsonObject } from '../util/json.js';
import { exemptionReason, isProtectedNamespace } from './scope.js';
import type { Facts } from './types.js';

export interface MutationVerdict {
  allowed: boolean;
  /** The object after mutation; undefined when nothing changes. */
  mutated?: JsonObject;
  /** Why the request was refused (invalid injection annotation). */
  denial?: string;
  warnings: string[];
  auditAnnotations: Record<string, string>;
  skipped?: string;
  /** An internal error the injector recovered from (fail open); counted in the metrics. */
  internalError?: string;
}

/** The mutating decision: pure and synchronous. */
export function decideMutation(request: AdmissionRequest, facts: Facts, config: Config): MutationVerdict {
  const exempt = exemptionReason(request, config);
  if (exempt) return { allowed: true, warnings: [], auditAnnotations: {}, skipped: exempt };
  if (request.operation === 'DELETE' || request.operation === 'CONNECT' || !request.object) {
    return { allowed: true, warnings: [], auditAnnotations: {}, skipped: `nothing to mutate on ${request.operation}` };
  }
  const namespace = request.namespace ?? '';
  const result = mutateObject({
    request,
    facts,
    config,
    protectedNamespace: namespace !== '' && isProtectedNamespace(namespace, facts.namespaceLabels, config),
  });
  if (result.denial) {
    return { allowed: false, denial: result.denial, warnings: result.warnings, auditAnnotations: result.auditAnnotations };
  }
  const verdict: MutationVerdict = { allowed: true, mutated: result.mutated, warnings: result.warnings, auditAnnotations: result.auditAnnotations };
  if (result.internalError) verdict.internalError = result.internalError;
  return verdict;
}
