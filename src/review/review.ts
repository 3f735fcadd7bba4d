import { decodeReview } from '../admission/decode.js';
import { allow, deny, encodeReview, mutationResponse, validationResponse } from '../admission/respond.js';
import type { AdmissionRequest, AdmissionResponse, AdmissionReviewResponse } from '../admission/types.js';
import type { Config } from '../config/types.js';
import { decide } from '../engine/decide.js';
import { decideMutation } from '../engine/mutate.js';
import { isMeshWidePolicy, isProtectedNamespace } from '../engine/scope.js';
import { ZtgateError, type ErrorCode } from '../errors.js';
import { gatherFacts } from '../facts/gather.js';
import type { FailurePolicy } from '../manifests/names.js';
import { sentOnlyToFailClosed } from '../manifests/webhooks.js';
import type { NamespaceSource } from '../facts/types.js';
import type { Facts, Verdict } from '../engine/types.js';
import { keepMutation, lookUpMutation, replayMutation } from './mutation-replay.js';

export type WebhookKind = 'validate' | 'mutate';
export const WEBHOOK_KINDS: readonly WebhookKind[] = ['validate', 'mutate'];

export interface ReviewDeps {
  config: Config;
  namespaces: NamespaceSource;
  now: Date;
  /** Monotonic milliseconds; tests replace it to simulate slow decisions. */
  clock?: () => number;
  /** The failurePolicy of the webhook that sent the request, when its path says (VALIDATE_PATHS). */
  failurePolicy?: FailurePolicy;
}

/** The internal budget of one review: below the webhook timeout, so ztgate answers before the API server gives up. */
export function budgetMs(webhook: WebhookKind, config: Config): number {
  return webhook === 'validate' ? config.deadlines.validateMs : config.deadlines.mutateMs;
}

/** What one review produced: the HTTP answer plus what logs, metrics and the audit trail need. */
export type ReviewOutcome =
  | {
      ok: true;
      httpStatus: 200;
      body: AdmissionReviewResponse;
      request: AdmissionRequest;
      response: AdmissionResponse;
      verdict?: Verdict;
      /** Invariant ids with a violation (any mode), for the log line and the per-invariant counter. */
      violations: { id: string; result: 'denied' | 'warned' | 'audited' | 'excepted' | 'notice' }[];
      skipped?: string;
      mutated: boolean;
      internalError?: string;
      /** Set when the decision overran the internal deadline and the deadline answer was sent instead. */
      deadlineExceeded?: boolean;
      /** Set when a mutation's answer was replayed from an identical earlier request (mutation-replay.ts). */
      recalled?: boolean;
      /** `body` already serialised (a mutation replayed, or encoded when kept): byte-identical to JSON.stringify(body). */
      encoded?: string;
    }
  | { ok: false; httpStatus: number; body: { code: ErrorCode; message: string } };

function summarise(verdict: Verdict): { id: string; result: 'denied' | 'warned' | 'audited' | 'excepted' | 'notice' }[] {
  return verdict.violations.map((v) => ({
    id: v.invariantId,
    result: v.notice ? 'notice' : v.exceptedBy ? 'excepted' : v.mode === 'enforce' ? 'denied' : v.mode === 'warn' ? 'warned' : 'audited',
  }));
}

/**
 * Why a validation ztgate cannot finish (an internal error, the deadline) must still refuse, or
 * undefined when it may admit with a warning. Any one reason is enough, so a stale registration or a
 * path that says nothing never opens what another reason closes: ztgate's own view of protection, a
 * kind that only fail-closed webhooks send (Calico policy, namespace labels), or the sending webhook's
 * failurePolicy. Each answers as the API server does while ztgate cannot be reached.
 */
function failClosedReason(request: AdmissionRequest, facts: Facts, config: Config, failurePolicy: FailurePolicy | undefined): string | undefined {
  const namespace = request.namespace ?? '';
  if (namespace === '') return 'the object is protected';
  if (isProtectedNamespace(namespace, facts.namespaceLabels, config)) return `namespace ${namespace} is protected`;
  if (isMeshWidePolicy(request, config)) return `Istio applies this ${request.kind.kind} to every workload from its root namespace ${namespace}`;
  if (sentOnlyToFailClosed(request)) return `ztgate guards this ${request.kind.kind} in every namespace`;
  if (failurePolicy === 'Fail') return 'the webhook that sent it fails closed (failurePolicy: Fail)';
  return undefined;
}

/**
 * An internal error must never open a hole nor lock the cluster: validation refuses with an explicit
 * message where failing closed is the rule (failClosedReason) and admits with a warning elsewhere;
 * mutation fails open with a warning (ZT-POD-006 catches a Pod that missed its sidecar).
 */
function internalErrorResponse(webhook: WebhookKind, request: AdmissionRequest, facts: Facts, deps: ReviewDeps, error: unknown): AdmissionResponse {
  const detail = error instanceof Error ? error.message : String(error);
  if (webhook === 'mutate') return allow(request.uid, { warnings: [`ztgate: mutation skipped after an internal error: ${detail}`.slice(0, 240)] });
  const reason = failClosedReason(request, facts, deps.config, deps.failurePolicy);
  if (reason) return deny(request.uid, `ztgate: internal error while validating, denied because ${reason}: ${detail}`);
  return allow(request.uid, { warnings: [`ztgate: validation skipped after an internal error: ${detail}`.slice(0, 240)] });
}

/**
 * Past the deadline the decision is not trusted to be complete: validation refuses with its own
 * explicit message (never the API server's generic timeout) where failing closed is the rule, mutation
 * allows without a patch, and ZT-POD-006 catches the missing sidecar on the validating side.
 */
function deadlineResponse(webhook: WebhookKind, request: AdmissionRequest, facts: Facts, deps: ReviewDeps, elapsedMs: number): AdmissionResponse {
  const budget = budgetMs(webhook, deps.config);
  const spent = `took ${Math.round(elapsedMs)} ms, over ztgate's ${budget} ms deadline`;
  if (webhook === 'mutate') return allow(request.uid, { warnings: [`ztgate: mutation skipped: the review ${spent}`] });
  const reason = failClosedReason(request, facts, deps.config, deps.failurePolicy);
  if (reason) {
    return deny(request.uid, `ztgate: deadline exceeded: validating this ${request.kind.kind} ${spent}; denied because ${reason}. Retry; if it persists, look for slow custom rules (ztgate_deadline_exceeded_total).`);
  }
  return allow(request.uid, { warnings: [`ztgate: validation skipped: the review ${spent}`] });
}

/** The shared core of `ztgate serve` and `ztgate review`: decode → facts → decide → respond. */
export function runReview(webhook: WebhookKind, body: unknown, deps: ReviewDeps): ReviewOutcome {
  let request: AdmissionRequest;
  try {
    request = decodeReview(body).request;
  } catch (error) {
    if (error instanceof ZtgateError) return { ok: false, httpStatus: error.status, body: error.toJSON() };
    throw error;
  }
  const facts = gatherFacts(request, deps.namespaces, deps.now);
  const clock = deps.clock ?? (() => performance.now());
  const startedAt = clock();
  facts.deadline = startedAt + budgetMs(webhook, deps.config);
  const outcome = decideAndRespond(webhook, request, facts, deps);
  const elapsedMs = clock() - startedAt;
  if (outcome.ok && elapsedMs > budgetMs(webhook, deps.config)) {
    // A refusal the decision reached stays: the built-in invariants run to completion, and what the
    // deadline cuts short (custom rules) can only miss violations, never invent one. Replacing it would
    // let a slow review of a Calico policy, an external IP or a cross-namespace route through outside
    // protection, where the webhooks that send those fail closed.
    if (outcome.verdict && !outcome.verdict.allowed) return { ...outcome, deadlineExceeded: true };
    const response = deadlineResponse(webhook, request, facts, deps, elapsedMs);
    return { ...outcome, response, body: encodeReview('admission.k8s.io/v1', response), mutated: false, deadlineExceeded: true };
  }
  return outcome;
}

function decideAndRespond(webhook: WebhookKind, request: AdmissionRequest, facts: Facts, deps: ReviewDeps): ReviewOutcome {
  try {
    if (webhook === 'validate') {
      const verdict = decide(request, facts, deps.config);
      const response = validationResponse(request, verdict);
      const outcome: ReviewOutcome = {
        ok: true, httpStatus: 200, body: encodeReview('admission.k8s.io/v1', response), request, response, verdict,
        violations: summarise(verdict), mutated: false,
      };
      if (verdict.skipped) outcome.skipped = verdict.skipped;
      return outcome;
    }
    return mutate(request, facts, deps.config);
  } catch (error) {
    const response = internalErrorResponse(webhook, request, facts, deps, error);
    return {
      ok: true, httpStatus: 200, body: encodeReview('admission.k8s.io/v1', response), request, response,
      violations: [], mutated: false, internalError: error instanceof Error ? error.message : String(error),
    };
  }
}

function mutate(request: AdmissionRequest, facts: Facts, config: Config): ReviewOutcome {
  const verdict = decideMutation(request, facts, config);
  const response = mutationResponse(request, verdict);
  const outcome: ReviewOutcome = {
    ok: true, httpStatus: 200, body: encodeReview('admission.k8s.io/v1', response), request, response,
    violations: [], mutated: response.patch !== undefined,
  };
  if (verdict.skipped) outcome.skipped = verdict.skipped;
  if (verdict.internalError) outcome.internalError = verdict.internalError;
  return outcome;
}

/**
 * runReview for a request still in its wire form, as the server receives it: a mutation may be
 * answered from an identical earlier request (mutation-replay.ts) before the text is even parsed.
 */
export function runReviewText(webhook: WebhookKind, text: string, deps: ReviewDeps): ReviewOutcome {
  const lookup = webhook === 'mutate' ? lookUpMutation(text, deps.config) : undefined;
  if (lookup) {
    const replayed = replayMutation(lookup, text, deps);
    if (replayed) return replayed;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const coded = new ZtgateError('BODY_NOT_JSON', `the body is not valid JSON: ${(error as Error).message}`);
    return { ok: false, httpStatus: coded.status, body: coded.toJSON() };
  }
  const outcome = runReview(webhook, body, deps);
  const encoded = lookup && keepMutation(lookup, text, outcome, deps, (again) => runReview(webhook, again, deps));
  if (encoded !== undefined && outcome.ok) outcome.encoded = encoded;
  return outcome;
}
