/**
 * The per-review evaluation budget. Rules come from users, so one hostile rule must not stall admission:
 * every comprehension iteration (instrumented at compile time) and every costly library call charges
 * steps here, and the clock is read every few steps. Evaluation is synchronous, so one active budget at
 * a time is enough.
 */
export interface RuleLimits {
  /** Wall-clock time all rules of one review may spend evaluating. */
  evaluationBudgetMs: number;
  /** Steps (comprehension iterations plus library charges) all rules of one review may take. */
  maxSteps: number;
  /** Longest expression accepted at load, in characters. */
  maxExpressionLength: number;
  /** Deepest expression tree accepted at load (brackets, calls, selections, macros). */
  maxNestingDepth: number;
}

export const DEFAULT_LIMITS: Readonly<RuleLimits> = Object.freeze({
  evaluationBudgetMs: 100,
  maxSteps: 1_000_000,
  maxExpressionLength: 5000,
  maxNestingDepth: 64,
});

/** Thrown inside evaluation; the library turns it into a CEL error, and Budget.exhausted stays set. */
export class BudgetExceeded extends Error {
  constructor(limits: RuleLimits) {
    super(`the review exceeded the evaluation budget (${limits.evaluationBudgetMs}ms or ${limits.maxSteps} steps)`);
    this.name = 'BudgetExceeded';
  }
}

/** Reading the clock on every step would cost more than the step itself. */
const CLOCK_EVERY = 16;

export class Budget {
  private steps = 0;
  private readonly deadline: number;
  /** Sticky: once spent, every later check fails, so nested loops and later rules stop at once. */
  exhausted: BudgetExceeded | undefined;

  constructor(
    readonly limits: RuleLimits,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.deadline = now() + limits.evaluationBudgetMs;
  }

  charge(steps: number): void {
    if (this.exhausted) throw this.exhausted;
    const before = this.steps;
    this.steps += steps;
    const clockDue = Math.floor(before / CLOCK_EVERY) !== Math.floor(this.steps / CLOCK_EVERY);
    if (this.steps > this.limits.maxSteps || (clockDue && this.now() > this.deadline)) {
      this.exhausted = new BudgetExceeded(this.limits);
      throw this.exhausted;
    }
  }
}

let active: Budget | undefined;

/** Runs `fn` with `budget` charged by every instrumented step; restores the previous one afterwards. */
export function withBudget<T>(budget: Budget, fn: () => T): T {
  const previous = active;
  active = budget;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

/** Charges the active budget; outside a review (load-time trial evaluation) nothing is charged. */
export function charge(steps = 1): void {
  active?.charge(steps);
}
