import type { AdmissionRequest } from '../admission/types.js';
import type { Config, Mode } from '../config/types.js';
import { evaluateRules } from '../cel/evaluate.js';
import { INVARIANTS } from '../invariants/registry.js';
import { stringMap, asObject } from '../util/json.js';
import { findException } from './exceptions.js';
import { auditKey, denialLine, truncate, warningLine } from './messages.js';
import { exemptionReason, isJudgedAsProtected } from './scope.js';
import type { CheckContext, Facts, Invariant, Verdict, Violation } from './types.js';

export function modeOf(invariant: Invariant, config: Config): Mode {
  return config.modes[invariant.id] ?? invariant.defaultMode;
}

/**
 * Each invariant's mode under the config, in INVARIANTS order: worked out once per config rather than
 * looked up by id in `config.modes` for every invariant of every review. One slot: the server runs
 * one config at a time.
 */
let modesFor: { config: Config; modes: readonly Mode[] } | undefined;

function invariantModes(config: Config): readonly Mode[] {
  if (modesFor?.config !== config) modesFor = { config, modes: INVARIANTS.map((invariant) => modeOf(invariant, config)) };
  return modesFor.modes;
}

function objectLabels(request: AdmissionRequest): Record<string, string> {
  const subject = request.object ?? request.oldObject;
  return stringMap(asObject(subject?.['metadata'])?.['labels']);
}

export function buildContext(request: AdmissionRequest, facts: Facts, config: Config): CheckContext {
  return {
    request,
    object: request.operation === 'DELETE' ? undefined : request.object,
    oldObject: request.oldObject,
    facts,
    config,
    protectedNamespace: isJudgedAsProtected(request, facts.namespaceLabels, config),
  };
}

/** A crashing invariant is a bug in ztgate; failing closed keeps it from opening a hole. */
function runInvariant(invariant: Invariant, ctx: CheckContext, mode: Exclude<Mode, 'off'>): Violation[] {
  try {
    const findings = invariant.check(ctx);
    return findings.length === 0 ? [] : findings.map((finding) => ({ ...finding, invariantId: invariant.id, mode }));
  } catch (error) {
    return [
      {
        invariantId: invariant.id,
        mode,
        path: '',
        summary: 'the check failed with an internal error',
        why: `ztgate could not evaluate it (${error instanceof Error ? error.message : String(error)})`,
        fix: 'Report this as a ztgate bug; an exception for this invariant unblocks the object meanwhile',
      },
    ];
  }
}

/** The validating decision: pure and synchronous. */
export function decide(request: AdmissionRequest, facts: Facts, config: Config): Verdict {
  const verdict: Verdict = { allowed: true, denials: [], warnings: [], auditAnnotations: {}, violations: [] };
  const exempt = exemptionReason(request, config);
  if (exempt) return { ...verdict, skipped: exempt };

  const ctx = buildContext(request, facts, config);
  const found: Violation[] = [];
  const modes = invariantModes(config);
  for (let index = 0; index < INVARIANTS.length; index++) {
    const invariant = INVARIANTS[index]!;
    const mode = modes[index]!;
    if (mode === 'off') continue;
    if (invariant.scope === 'protected' && !ctx.protectedNamespace) continue;
    if (!invariant.appliesTo(request)) continue;
    const violations = runInvariant(invariant, ctx, mode);
    if (violations.length > 0) found.push(...violations);
  }
  const rules = evaluateRules(ctx);
  found.push(...rules.violations);
  Object.assign(verdict.auditAnnotations, rules.auditAnnotations);

  if (found.length === 0) return verdict;
  const labels = objectLabels(request);
  for (const violation of found) {
    const exception = findException(config.exceptions, {
      invariantId: violation.invariantId,
      namespace: request.namespace ?? '',
      namespaceLabels: facts.namespaceLabels,
      objectLabels: labels,
      now: facts.now,
    });
    if (violation.notice) {
      verdict.warnings.push(warningLine(violation));
      appendAnnotation(verdict.auditAnnotations, auditKey('notice', violation.invariantId), denialLine(violation));
    } else if (exception) {
      violation.exceptedBy = exception.name;
      verdict.auditAnnotations[auditKey('exception', violation.invariantId)] =
        `${exception.name}: ${truncate(exception.reason, 200)}`;
    } else if (violation.mode === 'enforce') {
      verdict.denials.push(violation);
    } else if (violation.mode === 'warn') {
      verdict.warnings.push(warningLine(violation));
    } else {
      appendAnnotation(verdict.auditAnnotations, auditKey('audit', violation.invariantId), denialLine(violation));
    }
    verdict.violations.push(violation);
  }
  verdict.allowed = verdict.denials.length === 0;
  return verdict;
}

function appendAnnotation(annotations: Record<string, string>, key: string, value: string): void {
  annotations[key] = annotations[key] ? `${annotations[key]}\n${value}` : value;
}
