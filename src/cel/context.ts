import { celFunc, CelScalar, isCelError, parse, plan, type CelEnv, type CelResult } from '@bufbuild/cel';

/**
 * @bufbuild/cel keeps an evaluation context (its protobuf registry) on a stack while it evaluates,
 * and reads it when a value is a protobuf message (timestamp(), duration()). Compiled programs
 * (fast/planner.ts) run inside one library call of this function, so the context is the same as when
 * the library evaluates; a whole review's rules can share one entry.
 */

export const ENTER_FUNCTION = '@ztgate_enter';

let pending: (() => void) | undefined;
let depth = 0;

export const enterFunction = celFunc(ENTER_FUNCTION, [], CelScalar.BOOL, () => {
  const run = pending;
  pending = undefined;
  run?.();
  return true;
});

const entries = new WeakMap<CelEnv, (bindings: Record<string, unknown>) => CelResult>();

function entryFor(env: CelEnv): (bindings: Record<string, unknown>) => CelResult {
  let entry = entries.get(env);
  if (!entry) {
    const parsed = parse('enter()');
    const call = parsed.expr?.exprKind;
    if (call?.case !== 'callExpr') throw new Error('context: unexpected parse');
    call.value.function = ENTER_FUNCTION;
    entry = plan(env, parsed) as (bindings: Record<string, unknown>) => CelResult;
    entries.set(env, entry);
  }
  return entry;
}

/** Runs `fn(arg)` inside an evaluation context of `env` (at once when already inside one). */
export function inEvalContext<A, T>(env: CelEnv, fn: (arg: A) => T, arg: A): T {
  if (depth > 0) return fn(arg);
  let result: T | undefined;
  let failure: { error: unknown } | undefined;
  pending = () => {
    depth++;
    try {
      result = fn(arg);
    } catch (error) {
      failure = { error };
    } finally {
      depth--;
    }
  };
  const outcome = entryFor(env)({});
  pending = undefined;
  if (failure) throw failure.error;
  if (isCelError(outcome)) throw new Error(`evaluation context: ${outcome.message}`);
  return result as T;
}
