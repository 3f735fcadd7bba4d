import type { AdmissionRequest, Operation } from '../admission/types.js';
import { specTierOf } from '../calico/tier.js';
import type { Verdict } from '../engine/types.js';
import { requestPolicyKind } from '../invariants/net/kinds.js';
import { asObject, asString } from '../util/json.js';
import { summariseChange, type ChangeSummary } from './change-summary.js';

/** One structured record of a reviewed change to a network or mesh policy, admitted or not. */
export interface PolicyAuditEvent {
  who: { username: string; groups: string[] };
  /** ISO 8601 time of the review. */
  when: string;
  what: { apiVersion: string; kind: string; namespace?: string; name: string; tier?: string };
  operation: Operation;
  decision: {
    allowed: boolean;
    /** Invariants whose enforced violations denied the request. */
    deniedBy: string[];
    /** Invariants that warned, audited, were excepted or noted (break-glass) without denying. */
    flaggedBy: string[];
    /** Why ztgate did not evaluate the request, when it did not. */
    skipped?: string;
  };
  dryRun: boolean;
  /** The AdmissionReview uid, to join this event with the API server's audit log. */
  uid: string;
  /** UPDATE only. */
  change?: ChangeSummary;
  /** Set when the change summary could not be computed (an absurdly nested object). */
  changeError?: string;
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

/**
 * The audit event for a review of a policy kind; undefined for every other kind. Pure: the caller
 * decides where the event goes (src/audit/sink.ts), so dry runs stay free of side effects here.
 */
export function policyAuditEvent(request: AdmissionRequest, verdict: Verdict, now: Date): PolicyAuditEvent | undefined {
  const kind = requestPolicyKind(request);
  if (!kind || request.operation === 'CONNECT') return undefined;
  const subject = request.object ?? request.oldObject;
  const { group, version } = kind.gvk;
  const name = asString(asObject(subject?.['metadata'])?.['name']) ?? request.name ?? '';
  const what: PolicyAuditEvent['what'] = { apiVersion: group ? `${group}/${version}` : version, kind: kind.gvk.kind, name };
  if (request.namespace) what.namespace = request.namespace;
  if (kind.family === 'calico-policy') what.tier = specTierOf(subject);
  if (kind.family === 'calico-tier') what.tier = name;

  const denied = unique(verdict.denials.map((violation) => violation.invariantId));
  const event: PolicyAuditEvent = {
    who: { username: request.userInfo.username, groups: [...request.userInfo.groups] },
    when: now.toISOString(),
    what,
    operation: request.operation,
    decision: {
      allowed: verdict.allowed,
      deniedBy: denied,
      flaggedBy: unique(verdict.violations.map((violation) => violation.invariantId)).filter((id) => !denied.includes(id)),
    },
    dryRun: request.dryRun,
    uid: request.uid,
  };
  if (verdict.skipped !== undefined) event.decision.skipped = verdict.skipped;
  if (request.operation === 'UPDATE' && request.object && request.oldObject) {
    try {
      event.change = summariseChange(kind.family, request.oldObject, request.object);
    } catch (error) {
      // Only a stack overflow on a pathologically deep object gets here; the event must still be written.
      event.changeError = error instanceof Error ? error.message : String(error);
    }
  }
  return event;
}
