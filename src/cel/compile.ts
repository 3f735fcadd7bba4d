import { plan, type CelError, type CelResult } from '@bufbuild/cel';
import { bracketDepth, instrumentLoops, type ParsedExpr } from './ast.js';
import { Checker, CompileError, TypeCheckError, type CheckOptions } from './check.js';
import { inEvalContext } from './context.js';
import { RULE_ENV, TICK_FUNCTION } from './env.js';
import { compileFast, compiledOnly } from './fast/planner.js';
import { expandMacros, MacroError } from './macros.js';
import { OptionalSyntaxError, parseWithOptionals } from './optional-syntax.js';
import { DYN, formatType, kindName, settle, type Type } from './types.js';

export type Bindings = Record<string, unknown>;

export interface CompiledExpression {
  source: string;
  /** Where it sits in the config, e.g. `rules[0].validations[2].expression`. */
  path: string;
  /** What it evaluates to, as far as is known before it runs (dyn when it depends on the object). */
  type: Type;
  evaluate(bindings: Bindings): CelResult;
  /** `line 1, column 14` for an error raised while evaluating this expression, when known. */
  positionOf(error: CelError): string | undefined;
  /** The type error it was compiled despite (`typeErrors: 'warn'`). */
  typeWarning?: string;
}

/** What the expression's place in a rule needs it to evaluate to, as ValidatingAdmissionPolicy checks at creation. */
export interface ExpectedResult {
  /** `a validation`, `a messageExpression`... */
  role: string;
  /** Parameterless type names (`bool`, `string`, `null_type`). */
  types: readonly string[];
}

export interface CompileOptions extends CheckOptions {
  expect?: ExpectedResult;
  /**
   * `warn` for expressions stored before ztgate checked types (cluster objects, the config file): a type
   * error is reported and the expression still loads, its types unchecked, as it ran before, so that an
   * upgrade never turns a working rule into one that fails every request it matches. Kubernetes keeps
   * stored expressions compiling in the same way. `refuse` (the default) for what is being written.
   */
  typeErrors?: 'refuse' | 'warn';
}

/** `typeError`: refused by the type check (of an operation, or of the result its place needs), as kube-apiserver would refuse it too. */
export type CompileResult = { ok: true; expression: CompiledExpression } | { ok: false; message: string; typeError?: true };

function formatParseError(error: unknown): string {
  if (error instanceof OptionalSyntaxError || error instanceof MacroError) return error.message;
  const text = error instanceof Error ? error.message : String(error);
  const match = /^<input>:(\d+):(\d+): (.*)$/s.exec(text);
  return match ? `line ${match[1]}, column ${match[2]}: syntax error: ${match[3]}` : `syntax error: ${text}`;
}

/** Refuses an expression that cannot produce what its place needs; `dyn` is left to the evaluation. */
function checkResultType(parsed: ParsedExpr, checker: Checker, type: Type, expect: ExpectedResult): void {
  const kind = kindName(type);
  if (kind === 'dyn' || expect.types.includes(kind)) return;
  const wanted = expect.types.map((name) => (name === 'null_type' ? 'null' : name)).join(' or ');
  throw new TypeCheckError(`${parsed.expr ? checker.at(parsed.expr.id) : ''}${expect.role} must evaluate to ${wanted}, but this expression evaluates to ${formatType(type)}`);
}

/** Parses, checks and plans one expression; never throws. */
export function compileExpression(source: string, path: string, options: CompileOptions): CompileResult {
  const result = compileChecked(source, path, options);
  if (result.ok || !result.typeError || options.typeErrors !== 'warn') return result;
  const unchecked = compileChecked(source, path, { ...options, checkTypes: false });
  return unchecked.ok ? { ok: true, expression: { ...unchecked.expression, typeWarning: result.message } } : unchecked;
}

function compileChecked(source: string, path: string, options: CompileOptions): CompileResult {
  const { limits } = options;
  if (source.trim() === '') return { ok: false, message: 'the expression is empty' };
  if (source.length > limits.maxExpressionLength) {
    return { ok: false, message: `the expression is ${source.length} characters long; the limit is ${limits.maxExpressionLength}` };
  }
  if (bracketDepth(source) > limits.maxNestingDepth) {
    return { ok: false, message: `the expression nests deeper than ${limits.maxNestingDepth} levels` };
  }
  let parsed: ParsedExpr;
  try {
    parsed = parseWithOptionals(source);
    expandMacros(parsed, source);
  } catch (error) {
    return { ok: false, message: formatParseError(error) };
  }
  const checker = new Checker(parsed, source, options);
  let evaluate: CompiledExpression['evaluate'];
  let type: Type = DYN;
  try {
    if (parsed.expr) type = settle(checker.check(parsed.expr, new Map(), 1));
    if (options.expect) checkResultType(parsed, checker, type, options.expect);
    instrumentLoops(parsed.expr, TICK_FUNCTION);
    // The library plans first: what it rejects stays a load error, and it evaluates what the
    // compiled form leaves to it.
    const program = plan(RULE_ENV, parsed);
    let leftToLibrary = '';
    const fast = parsed.expr ? compileFast(parsed.expr, (what) => (leftToLibrary = what)) : undefined;
    const needsCompiled = !fast && parsed.expr ? compiledOnly(parsed.expr) : undefined;
    if (needsCompiled) throw new CompileError(`${needsCompiled} cannot be combined with ${leftToLibrary} in one expression`);
    evaluate = fast ? (bindings) => inEvalContext(RULE_ENV, fast, bindings) : (bindings) => program(bindings as never);
  } catch (error) {
    // One rule's odd expression must not take the whole config down with it.
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof TypeCheckError) return { ok: false, message, typeError: true };
    return { ok: false, message: error instanceof CompileError ? message : `the expression could not be compiled: ${message}` };
  }
  return {
    ok: true,
    expression: {
      source,
      path,
      type,
      evaluate,
      positionOf: (error) => {
        if (error.exprId === undefined) return undefined;
        return checker.at(error.exprId).replace(/: $/, '') || undefined;
      },
    },
  };
}
