import { isDeepStrictEqual } from 'node:util';
import type { AdmissionRequest } from '../admission/types.js';
import type { Config } from '../config/types.js';
import type { Facts } from '../engine/types.js';
import { asObject, stringMap, type JsonObject } from '../util/json.js';
import { decideInjection } from './decision.js';
import { applyIdentity } from './identity.js';
import { A } from './annotations.js';
import { cloneJson } from './clone.js';
import { injectOwnedPod } from './inject.js';
import { workloadOfPod } from './owner.js';
import { AnnotationError } from './validate.js';

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
  /**
   * Set when injection failed with an internal error: the Pod is admitted unchanged (the mutating webhook
   * is fail-open; the validating side catches the missing sidecar) and the error is worth a metric.
   */
  internalError?: string;
}

/** Audit annotation (prefixed by the API server with the webhook name): why the Pod was or was not injected. */
export const INJECTION_AUDIT_KEY = 'sidecar-injection';

/** The only requests mutateObject changes: a Pod's CREATE (its containers cannot change afterwards). */
export function isPodCreate(request: AdmissionRequest): boolean {
  return request.kind.group === '' && request.kind.kind === 'Pod' && !request.subResource && request.operation === 'CREATE';
}

/**
 * Sidecar injection and identity labels for one request, on CREATE only. Like istiod: a Pod's containers
 * cannot change afterwards. And the identity labels are never rewritten on UPDATE: an attempt to forge
 * them must be denied by ZT-POD-007 for everyone to see, not silently undone.
 */
export function mutateObject(ctx: MutationContext): MutationResult {
  const { request, config } = ctx;
  const result: MutationResult = { warnings: [], auditAnnotations: {} };
  if (!isPodCreate(request) || !request.object) return result;
  const original = request.object;
  const namespace = request.namespace || (asObject(original['metadata'])?.['namespace'] as string | undefined) || '';
  try {
    let pod = cloneJson(original);
    let changed = false;
    {
      const metadata = asObject(pod['metadata']);
      const decision = decideInjection(
        {
          mode: 'webhook',
          namespace,
          namespaceLabels: ctx.facts.namespaceLabels,
          podLabels: stringMap(metadata?.['labels']),
          podAnnotations: stringMap(metadata?.['annotations']),
          hostNetwork: asObject(pod['spec'])?.['hostNetwork'] === true,
          systemNamespaces: config.systemNamespaces,
        },
        config.injection,
      );
      result.auditAnnotations[INJECTION_AUDIT_KEY] = `${decision.inject ? 'injected' : 'skipped'}: ${decision.reason}`;
      if (decision.inject) {
        // An injection writes the status annotation, so a Pod without one is certainly changed.
        changed = !Object.hasOwn(asObject(metadata?.['annotations']) ?? {}, A.status);
        pod = injectOwnedPod({ pod, namespace, workload: workloadOfPod(pod, namespace), config: config.injection });
      }
    }
    if (ctx.protectedNamespace) applyIdentity(pod, namespace, config.injection.trustDomain);
    if (changed || !isDeepStrictEqual(pod, original)) result.mutated = pod;
    return result;
  } catch (error) {
    if (error instanceof AnnotationError) {
      result.denial = `ztgate: sidecar injection refused: ${error.message}`;
      result.auditAnnotations[INJECTION_AUDIT_KEY] = `refused: ${error.message}`.slice(0, 1000);
      return result;
    }
    const detail = error instanceof Error ? error.message : String(error);
    result.internalError = detail;
    result.warnings.push(`ztgate: sidecar injection skipped after an internal error: ${detail}`.slice(0, 240));
    delete result.mutated;
    return result;
  }
}
