import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/types.js';
import type { NamespaceSource } from '../facts/types.js';
import type { Logger } from '../log/logger.js';
import { runReview, runReviewText, type ReviewDeps, type ReviewOutcome, type WebhookKind } from '../review/review.js';
import { FAILURE_POLICIES, PATHS, VALIDATE_PATHS, type FailurePolicy } from '../manifests/names.js';
import type { Metrics } from './metrics.js';
import type { LoadShedder } from './load-shedding.js';
import { ZtgateError } from '../errors.js';

/** Called once per decided review (after the answer is built): the audit trail hooks in here. */
export type ReviewObserver = (webhook: WebhookKind, outcome: Extract<ReviewOutcome, { ok: true }>) => void;

interface RouteDeps {
  shedder?: LoadShedder;
  config: () => Config;
  namespaces: NamespaceSource;
  logger: Logger;
  metrics: Metrics;
  now?: () => Date;
  observer?: ReviewObserver;
}

const COUNTED = Symbol('ztgate.counted');

/** Sheds before the body is read, so an overloaded server spends nothing on what it will refuse. */
function registerShedding(app: FastifyInstance, shedder: LoadShedder, metrics: Metrics): void {
  const release = (request: object): void => {
    const marked = request as { [COUNTED]?: boolean };
    if (marked[COUNTED]) {
      marked[COUNTED] = false;
      shedder.finish();
    }
  };
  // Callback hooks rather than async ones: no promise and no extra microtask on every review.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'POST' || !REVIEW_PATHS.has(request.url.split('?')[0]!)) {
      done();
      return;
    }
    const reason = shedder.shedReason();
    if (reason) {
      metrics.shed.inc();
      const error = new ZtgateError('OVERLOADED', `ztgate is shedding load: ${reason}; the API server applies the webhook's failurePolicy`);
      // Answering from the hook ends the request here; `done` is not called.
      void reply.code(error.status).header('retry-after', '1').type('application/json').send(JSON.stringify(error.toJSON()));
      return;
    }
    (request as { [COUNTED]?: boolean })[COUNTED] = true;
    shedder.start();
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    release(request);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    release(request);
    done();
  });
}

/** Every path a review arrives on, and what the path says about the webhook that sent it. */
export const REVIEW_ROUTES: readonly { path: string; webhook: WebhookKind; failurePolicy?: FailurePolicy }[] = [
  { path: PATHS.validate, webhook: 'validate' },
  ...FAILURE_POLICIES.map((failurePolicy) => ({ path: VALIDATE_PATHS[failurePolicy], webhook: 'validate' as const, failurePolicy })),
  { path: PATHS.mutate, webhook: 'mutate' },
];

const REVIEW_PATHS = new Set(REVIEW_ROUTES.map(({ path }) => path));

export function registerReviewRoutes(app: FastifyInstance, deps: RouteDeps): void {
  if (deps.shedder) registerShedding(app, deps.shedder, deps.metrics);
  for (const { path, webhook, failurePolicy } of REVIEW_ROUTES) {
    app.post(path, async (httpRequest, reply) => {
      const started = process.hrtime.bigint();
      // One object shape for every path (failurePolicy set, if undefined), so the core's reads stay monomorphic.
      const reviewDeps: ReviewDeps = { config: deps.config(), namespaces: deps.namespaces, now: deps.now?.() ?? new Date(), failurePolicy };
      // No body parser ran when the request had no JSON content type: the core says what is missing.
      const { body } = httpRequest;
      const outcome = typeof body === 'string' ? runReviewText(webhook, body, reviewDeps) : runReview(webhook, body, reviewDeps);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Serialised here, exactly as `ztgate review` prints it, so the two answers are byte-identical.
      const text = outcome.ok && outcome.encoded !== undefined ? outcome.encoded : JSON.stringify(outcome.body);
      // The answer goes out first (send writes it to the socket at once: there are no onSend hooks);
      // the API server waits for it, not for the decision line, the metrics or the audit trail.
      void reply.code(outcome.httpStatus).type('application/json').send(text);
      if (!outcome.ok) {
        deps.metrics.badRequests.inc({ webhook, code: outcome.body.code });
        deps.logger.warn({ webhook, code: outcome.body.code, error: outcome.body.message }, 'bad admission review');
      } else {
        try {
          record(webhook, outcome, seconds, deps);
        } catch (error) {
          // The answer is already on its way, so fastify's error handler could no longer say anything.
          deps.logger.error({ err: error, webhook, uid: outcome.request.uid }, 'recording the admission decision failed after it was answered');
        }
      }
      return reply;
    });
  }
}

function record(webhook: WebhookKind, outcome: Extract<ReviewOutcome, { ok: true }>, seconds: number, deps: RouteDeps): void {
  const { request, response } = outcome;
  deps.metrics.admissionSeconds.observe(
    { webhook, kind: request.kind.kind, operation: request.operation, allowed: String(response.allowed) },
    seconds,
  );
  for (const { id, result } of outcome.violations) deps.metrics.decisions.inc({ invariant: id, result });
  if (outcome.internalError) deps.metrics.internalErrors.inc({ webhook });
  if (outcome.deadlineExceeded) deps.metrics.deadlineExceeded.inc({ webhook });
  if (outcome.recalled) deps.metrics.mutationsRecalled.inc();
  // One line with the review's identity as plain fields: a child logger per review would serialise
  // the same bindings at nearly twice the cost, and no other line is written for a review.
  const line: Record<string, unknown> = {
    uid: request.uid,
    kind: request.kind.kind,
    namespace: request.namespace ?? '',
    name: request.name ?? '',
    operation: request.operation,
    // Who asked: ownership decisions (tiers, namespace labels, quarantine) turn on it.
    user: request.userInfo.username,
    webhook,
    allowed: response.allowed,
    invariants: outcome.violations.map((v) => `${v.id}:${v.result}`),
    latencyMs: Math.round(seconds * 1e6) / 1e3,
    dryRun: request.dryRun,
  };
  if (outcome.mutated) line['mutated'] = true;
  if (outcome.recalled) line['recalled'] = true;
  if (outcome.skipped) line['skipped'] = outcome.skipped;
  if (outcome.internalError) line['internalError'] = outcome.internalError;
  if (outcome.deadlineExceeded) line['deadlineExceeded'] = true;
  deps.logger.info(line, 'admission decision');
  deps.observer?.(webhook, outcome);
}
