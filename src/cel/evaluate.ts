import { isCelError, type CelResult } from '@bufbuild/cel';
import type { CheckContext, Violation } from '../engine/types.js';
import type { Config } from '../config/types.js';
import { ReviewInputs, ruleBindings } from './activation.js';
import { Budget, withBudget } from './budget.js';
import { inEvalContext } from './context.js';
import type { Bindings, CompiledExpression } from './compile.js';
import { auditAnnotationKey } from './config.js';
import { RULE_ENV } from './env.js';
import { requestShapeKey, requestShapeMatches, scopeMatches } from './match.js';
import { LruCachePerOwner } from '../util/lru.js';
import type { CompiledRule, CompiledValidation } from './model.js';
import { typeName } from './lib/opaque.js';
import { trimSpace } from './trim-space.js';

export interface RuleOutcome {
  violations: Violation[];
  auditAnnotations: Record<string, string>;
}

/** Every custom rule's message starts with this and the rule's name, so kubectl users know whom to ask. */
export const RULE_MESSAGE_PREFIX = 'ZT-RULE';
const MAX_MESSAGE = 1000;
const MAX_ANNOTATION_VALUE = 10_000;
/** kube-apiserver's MaxEvaluatedMessageExpressionSizeBytes: a longer result falls back to the message. */
const MAX_EVALUATED_MESSAGE_BYTES = 5 * 1024;

export function ruleInvariantId(name: string): string {
  return `rule:${name}`;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Raised when the review's budget is spent: the rest of the rule is not evaluated. */
class BudgetStop extends Error {}

class RuleRun {
  constructor(
    private readonly rule: CompiledRule,
    private readonly bindings: Bindings,
    private readonly budget: Budget,
    private readonly out: RuleOutcome,
  ) {}

  /** Evaluates one expression; a spent budget stops the rule even when CEL absorbed the error. */
  private run(expression: CompiledExpression): CelResult {
    const result = expression.evaluate(this.bindings);
    if (this.budget.exhausted) throw new BudgetStop(`evaluation stopped: ${this.budget.exhausted.message}`);
    return result;
  }

  private errorText(label: string, expression: CompiledExpression, result: CelResult, expected: string): string {
    if (!isCelError(result)) return `${label} returned ${typeName(result)}, expected ${expected}`;
    const where = expression.positionOf(result);
    return `${label} could not be evaluated: ${result.message}${where ? ` (${where})` : ''}`;
  }

  /** Like Kubernetes, one validation's error does not stop the others. */
  execute(): void {
    try {
      if (!this.matchConditionsHold()) return;
      const { validations } = this.rule;
      for (let i = 0; i < validations.length; i++) {
        const validation = validations[i]!;
        const result = this.run(validation.expression);
        if (result === false) this.report(this.rule.mode, this.message(validation), validation.reason);
        else if (result !== true) this.fail(this.errorText(`validations[${i}]`, validation.expression, result, 'bool'));
      }
      for (const { key, valueExpression } of this.rule.auditAnnotations) {
        const result = this.run(valueExpression);
        if (typeof result === 'string') {
          // As Kubernetes does: trimmed, and left out when nothing is left, which is how an expression
          // that must type as a string (`cond ? 'x' : ''`) leaves its annotation out.
          const value = trimSpace(result);
          if (value !== '') this.out.auditAnnotations[auditAnnotationKey(this.rule.name, key)] = shorten(value, MAX_ANNOTATION_VALUE);
        } else if (result !== null) {
          this.fail(this.errorText(`auditAnnotations "${key}"`, valueExpression, result, 'string or null'));
        }
      }
    } catch (error) {
      if (error instanceof BudgetStop) this.fail(error.message);
      else this.fail(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** As in Kubernetes: any false condition skips the rule; otherwise an error is a failure. */
  private matchConditionsHold(): boolean {
    let failure: string | undefined;
    for (const { name, expression } of this.rule.matchConditions) {
      const result = this.run(expression);
      if (result === false) return false;
      if (result !== true) failure ??= this.errorText(`matchConditions "${name}"`, expression, result, 'bool');
    }
    if (failure) this.fail(failure);
    return failure === undefined;
  }

  /**
   * messageExpression, else message, else the expression itself, as kube-apiserver's validator.go
   * chooses: the result trimmed, and passed over when empty, longer than 5 KiB or of several lines.
   */
  private message(validation: CompiledValidation): string {
    if (validation.messageExpression) {
      const text = this.run(validation.messageExpression);
      if (typeof text === 'string') {
        const message = trimSpace(text);
        if (message !== '' && !message.includes('\n') && Buffer.byteLength(message, 'utf8') <= MAX_EVALUATED_MESSAGE_BYTES) return message;
      }
    }
    const message = validation.message === undefined ? '' : trimSpace(validation.message);
    return message !== '' ? message : `failed expression: ${shorten(trimSpace(validation.expression.source), 200)}`;
  }

  report(mode: Violation['mode'], body: string, why: string): void {
    const message = `${RULE_MESSAGE_PREFIX} ${this.rule.name}: ${shorten(body, MAX_MESSAGE)}`;
    this.out.violations.push({ invariantId: ruleInvariantId(this.rule.name), mode, path: '', summary: body, why, fix: '', message });
  }

  /** failurePolicy Fail counts the failure in the rule's mode; Ignore records it without denying. */
  fail(problem: string): void {
    if (this.rule.failurePolicy === 'Fail') this.report(this.rule.mode, problem, 'the rule could not be evaluated');
    else this.report('audit', `${problem} (ignored: failurePolicy Ignore)`, 'the rule could not be evaluated');
  }
}

/**
 * The rules whose operations, groups and kinds admit requests of this shape, worked out once per shape
 * and config: with many rules, checking each rule's lists on every review was a fifth of a trivial
 * rule's cost. Bounded, since the CLI may bring any number of kinds.
 */
const byShape = new LruCachePerOwner<Config, string, readonly CompiledRule[]>(256);

function rulesForShape(config: Config, request: CheckContext['request']): readonly CompiledRule[] {
  const { rules } = config.rules;
  if (rules.length === 0) return rules;
  const compute = (): readonly CompiledRule[] => rules.filter((rule) => requestShapeMatches(rule.match, request));
  return byShape.of(config)?.getOrCompute(requestShapeKey(request), compute) ?? compute();
}

/**
 * Evaluates the custom CEL rules that match the request, under one evaluation budget for the whole
 * review. Never throws: a rule that cannot be evaluated is a failure of that rule.
 */
export function evaluateRules(ctx: CheckContext): RuleOutcome {
  const out: RuleOutcome = { violations: [], auditAnnotations: {} };
  const { limits } = ctx.config.rules;
  const subject = { request: ctx.request, namespaceLabels: ctx.facts.namespaceLabels };
  const matching = rulesForShape(ctx.config, ctx.request).filter((rule) => scopeMatches(rule.match, subject));
  if (matching.length === 0) return out;
  const budget = new Budget(limits);
  const inputs = new ReviewInputs(ctx);
  // One evaluation context for the whole review rather than one per expression.
  const runAll = (): void => {
    // CEL errors are values (a missing field absorbed by `||` is an error object), and each one is an
    // Error: capturing its stack made a rule that reads an absent field about 40 times slower. Nothing
    // here reads a stack (errors become messages with positions), so none is captured while rules run.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      for (const rule of matching) {
        const run = new RuleRun(rule, ruleBindings(inputs, rule), budget, out);
        if (rule.loadError !== undefined) run.fail(`the rule did not load: ${rule.loadError}`);
        else if (budget.exhausted) run.fail(`not evaluated: ${budget.exhausted.message}`);
        else run.execute();
      }
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  };
  inEvalContext(RULE_ENV, (fn) => withBudget(budget, fn), runAll);
  return out;
}
