import { denialLine } from '../engine/messages.js';
import type { MutationVerdict } from '../engine/mutate.js';
import type { Verdict } from '../engine/types.js';
import { diffPatch } from '../patch/diff.js';
import type { JsonObject } from '../util/json.js';
import type { AdmissionRequest, AdmissionResponse, AdmissionReviewResponse } from './types.js';

/** The one response vocabulary: allow, deny, patched. Every path echoes the request uid. */
export function allow(uid: string, extra: Partial<AdmissionResponse> = {}): AdmissionResponse {
  return withOptional({ uid, allowed: true }, extra);
}

export function deny(uid: string, message: string, extra: Partial<AdmissionResponse> = {}): AdmissionResponse {
  return withOptional({ uid, allowed: false, status: { code: 403, reason: 'Forbidden', message } }, extra);
}

export function patched(uid: string, original: JsonObject, mutated: JsonObject, extra: Partial<AdmissionResponse> = {}): AdmissionResponse {
  const patch = diffPatch(original, mutated);
  // No change means no patch at all: an empty patch still makes the API server re-run later webhooks.
  if (patch.length === 0) return allow(uid, extra);
  return withOptional(
    { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') },
    extra,
  );
}

function withOptional(response: AdmissionResponse, extra: Partial<AdmissionResponse>): AdmissionResponse {
  const out: AdmissionResponse = { ...response };
  if (extra.warnings && extra.warnings.length > 0) out.warnings = extra.warnings;
  if (extra.auditAnnotations && Object.keys(extra.auditAnnotations).length > 0) out.auditAnnotations = extra.auditAnnotations;
  return out;
}

export function validationResponse(request: AdmissionRequest, verdict: Verdict): AdmissionResponse {
  const extra = { warnings: verdict.warnings, auditAnnotations: verdict.auditAnnotations };
  if (verdict.allowed) return allow(request.uid, extra);
  const message = verdict.errorMessage ?? verdict.denials.map(denialLine).join('\n');
  return deny(request.uid, message, extra);
}

export function mutationResponse(request: AdmissionRequest, verdict: MutationVerdict): AdmissionResponse {
  const extra = { warnings: verdict.warnings, auditAnnotations: verdict.auditAnnotations };
  if (!verdict.allowed) return deny(request.uid, verdict.denial ?? 'denied by ztgate', extra);
  if (verdict.mutated && request.object) return patched(request.uid, request.object, verdict.mutated, extra);
  return allow(request.uid, extra);
}

export function encodeReview(apiVersion: string, response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion, kind: 'AdmissionReview', response };
}
