import { policyAuditEvent } from '../audit/policy-event.js';
import type { AuditSink } from '../audit/sink.js';
import type { ReviewObserver } from './review-routes.js';

/**
 * Exactly one audit event per decided validating review of a policy kind, admitted or denied, dry runs
 * included (marked). The event carries the answer actually sent, so a deadline denial is recorded as one.
 */
export function auditObserver(sink: () => AuditSink, now: () => Date = () => new Date()): ReviewObserver {
  return (webhook, outcome) => {
    if (webhook !== 'validate' || !outcome.verdict) return;
    const verdict = outcome.response.allowed === outcome.verdict.allowed ? outcome.verdict : { ...outcome.verdict, allowed: outcome.response.allowed };
    const event = policyAuditEvent(outcome.request, verdict, now());
    if (event) sink().record(event);
  };
}
