import type { CheckContext, Violation } from '../engine/types.js';

export interface RuleOutcome {
  violations: Violation[];
  auditAnnotations: Record<string, string>;
}

/** Evaluates the custom CEL rules against one request. (Owned by the CEL module.) */
export function evaluateRules(_ctx: CheckContext): RuleOutcome {
  return { violations: [], auditAnnotations: {} };
}
