import { applyPatch, type Operation as PatchOperation } from 'rfc6902';
import { denialLine } from '../engine/messages.js';
import { runReview, type ReviewDeps } from '../review/review.js';
import { asObject, asString, isJsonObject, type JsonObject } from '../util/json.js';
import { buildReview, type ReviewInput } from './build-review.js';

export interface Finding {
  id: string;
  mode: string;
  path: string;
  message: string;
  exceptedBy?: string;
}

export interface ObjectResult {
  verdict: 'admitted' | 'denied' | 'skipped';
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** Why it was skipped or denied without a violation (an invalid injection annotation). */
  reason?: string;
  unknownKind?: boolean;
  violations: Finding[];
  warnings: string[];
  mutated: boolean;
  /** The object as admitted after mutation (only when mutated). */
  patched?: JsonObject;
  patch?: PatchOperation[];
  /** The validating AdmissionReview, for comparing with the server. */
  validateReview?: JsonObject;
}

function decodePatch(base64: string): PatchOperation[] {
  return JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as PatchOperation[];
}

export interface EvaluateOptions {
  /**
   * Run the mutating webhook first (default). Off for objects read back from a cluster: a stored Pod
   * without its proxy is a finding, not something to inject now.
   */
  mutate?: boolean;
}

/**
 * What the API server would do with a CREATE of the object: the mutating webhook first, then the
 * validating webhook on the mutated object. Both through runReview, the server's own core.
 */
export function evaluateObject(input: ReviewInput, deps: ReviewDeps, options: EvaluateOptions = {}): ObjectResult {
  const built = buildReview(input);
  const apiVersion = String(input.object['apiVersion'] ?? '');
  const kind = String(input.object['kind'] ?? '');
  const base = { apiVersion, kind, violations: [] as Finding[], warnings: [] as string[], mutated: false };
  if (!built.ok) {
    const metadata = asObject(input.object['metadata']);
    return {
      ...base,
      verdict: 'skipped',
      namespace: asString(metadata?.['namespace']) ?? '',
      name: asString(metadata?.['name']) ?? '',
      reason: built.reason,
      unknownKind: built.unknownKind,
    };
  }
  const { namespace, name } = built;

  let object = (built.review['request'] as JsonObject)['object'] as JsonObject | undefined;
  const warnings: string[] = [];
  let patch: PatchOperation[] | undefined;
  if (input.operation !== 'DELETE' && options.mutate !== false) {
    const mutation = runReview('mutate', built.review, deps);
    if (!mutation.ok) return { ...base, verdict: 'skipped', namespace, name, reason: mutation.body.message };
    warnings.push(...(mutation.response.warnings ?? []));
    if (!mutation.response.allowed) {
      return { ...base, verdict: 'denied', namespace, name, warnings, reason: mutation.response.status?.message ?? 'denied by the mutating webhook' };
    }
    if (mutation.response.patch && object) {
      patch = decodePatch(mutation.response.patch);
      const copy = structuredClone(object);
      const errors = applyPatch(copy, patch).filter((error) => error !== null);
      if (errors.length > 0) throw new Error(`ztgate produced a patch that does not apply: ${String(errors[0])}`);
      object = copy;
    }
  }
  const validateReview = structuredClone(built.review);
  if (object && isJsonObject(validateReview['request'])) validateReview['request']['object'] = object;
  const validation = runReview('validate', validateReview, deps);
  if (!validation.ok) return { ...base, verdict: 'skipped', namespace, name, reason: validation.body.message };
  warnings.push(...(validation.response.warnings ?? []));
  const violations = (validation.verdict?.violations ?? []).map((violation): Finding => {
    const finding: Finding = { id: violation.invariantId, mode: violation.mode, path: violation.path, message: denialLine(violation) };
    if (violation.exceptedBy) finding.exceptedBy = violation.exceptedBy;
    if (violation.notice) finding.mode = 'notice';
    return finding;
  });
  const result: ObjectResult = {
    ...base,
    verdict: validation.response.allowed ? 'admitted' : 'denied',
    namespace,
    name,
    violations,
    warnings,
    mutated: patch !== undefined,
    validateReview,
  };
  if (!validation.response.allowed && violations.length === 0) result.reason = validation.response.status?.message ?? 'denied';
  if (patch && object) {
    result.patch = patch;
    result.patched = object;
  }
  return result;
}
