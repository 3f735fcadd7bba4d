import { isCelError, plan } from '@bufbuild/cel';
import { children, lineColumn, qualifiedName, type CallNode, type ComprehensionNode, type Expr, type ParsedExpr } from './ast.js';
import { Budget, withBudget, type RuleLimits } from './budget.js';
import { inEvalContext } from './context.js';
import { KNOWN_FUNCTIONS, RULE_ENV } from './env.js';
import { compileFast } from './fast/planner.js';
import { compileRegex } from './lib/regex.js';
import { OPT_HAS, OPT_INDEX, OPT_SELECT } from './optional-syntax.js';
import { SourcePositions } from './positions.js';
import { BOOL, DYN, INT, STRING, isAssignable, listOf, mapOf, optionalOf, primitive, resolve, type Type } from './types.js';
import { callType as typeOfCall, elementType, isRefusal, rangeTypes, selectType as typeOfField, TYPE_VALUES } from './typing.js';
import { ROOT_VARIABLE_TYPES } from './variable-types.js';

type SelectNode = Extract<Expr['exprKind'], { case: 'selectExpr' }>['value'];

/** The variables of a Kubernetes ValidatingAdmissionPolicy (authorizer is not offered, see docs/rules.md). */
export const ROOT_VARIABLES = ['object', 'oldObject', 'request', 'namespaceObject', 'params', 'variables'] as const;

const REGEX_FUNCTIONS = ['matches', 'find', 'findAll'];

/** Suggestions offer names a user can type, not operators such as `_+_`. */
const CALLABLE_NAMES = [...KNOWN_FUNCTIONS].filter((name) => /^[A-Za-z]/.test(name));

export interface CheckOptions {
  limits: RuleLimits;
  /** Variables usable as `variables.<name>` here, those defined earlier in the rule, with their types. */
  variables: ReadonlyMap<string, Type>;
  /** False to let type errors pass as dyn: for expressions stored before ztgate checked types (compile.ts). */
  checkTypes?: boolean;
}

export class CompileError extends Error {}

/** A refusal of cel-go's type checker, which Kubernetes makes too (the rest may be ztgate's alone). */
export class TypeCheckError extends CompileError {}

function closest(name: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length]!;
  };
  const best = candidates.map((c) => ({ c, d: distance(name, c) })).sort((x, y) => x.d - y.d)[0];
  const tolerance = Math.min(2, Math.max(1, Math.floor(name.length / 3)));
  return best && best.d <= tolerance ? best.c : undefined;
}

function suggest(name: string, candidates: readonly string[]): string {
  const hint = closest(name, candidates);
  return hint ? ` (did you mean '${hint}'?)` : '';
}

const CONSTANT_TYPES: Readonly<Record<string, Type>> = {
  boolValue: BOOL,
  int64Value: INT,
  uint64Value: primitive('uint'),
  doubleValue: primitive('double'),
  stringValue: STRING,
  bytesValue: primitive('bytes'),
  nullValue: primitive('null'),
  durationValue: primitive('duration'),
  timestampValue: primitive('timestamp'),
};

type Scope = ReadonlyMap<string, Type>;

/**
 * Checks what cel-go's checker and Kubernetes' validators catch when a policy is created: unknown
 * variables, functions and fields, `variables.<name>` defined later or not at all, calls and operators
 * whose operands' types no overload takes, mixed literals, library calls on constants that can only fail
 * (a bad regular expression or quantity), and bad duration, timestamp and pattern literals. Reports the
 * first problem with its position, and gives the expression's type.
 */
export class Checker {
  private readonly positions: SourcePositions;

  constructor(
    parsed: ParsedExpr,
    private readonly source: string,
    private readonly options: CheckOptions,
  ) {
    this.positions = new SourcePositions(parsed, source);
  }

  fail(expr: Expr, problem: string): never {
    throw new CompileError(`${this.at(expr.id)}${problem}`);
  }

  /** A type error; when types are not checked the caller goes on with dyn. */
  refuseType(expr: Expr, problem: string): void {
    if (this.options.checkTypes !== false) throw new TypeCheckError(`${this.at(expr.id)}${problem}`);
  }

  at(id: bigint): string {
    const offset = this.positions.offsetOf(id);
    if (offset === undefined) return '';
    const { line, column } = lineColumn(this.source, offset);
    return `line ${line}, column ${column}: `;
  }

  /** `inFormat`: the expression is an argument of a `format` call, at any depth (see literalElement). */
  check(expr: Expr, scope: Scope, depth: number, inFormat = false): Type {
    if (depth > this.options.limits.maxNestingDepth) {
      this.fail(expr, `the expression nests deeper than ${this.options.limits.maxNestingDepth} levels`);
    }
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'constExpr':
        return CONSTANT_TYPES[kind.value.constantKind.case ?? ''] ?? DYN;
      case 'identExpr':
        return this.identType(expr, kind.value.name, scope);
      case 'selectExpr':
        return this.selectType(expr, kind.value, scope, depth, inFormat);
      case 'listExpr': {
        const { elements, optionalIndices } = kind.value;
        const types = elements.map((element, i) => {
          const type = this.check(element, scope, depth + 1, inFormat);
          return optionalIndices.includes(i) ? heldBy(type) : type;
        });
        return listOf(this.literalElement(elements.map((element, i) => ({ element, type: types[i]! })), inFormat));
      }
      case 'structExpr': {
        if (kind.value.messageName !== '') this.fail(expr, `message construction (${kind.value.messageName}{...}) is not supported`);
        const keys: { element: Expr; type: Type }[] = [];
        const values: { element: Expr; type: Type }[] = [];
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === 'mapKey') keys.push({ element: entry.keyKind.value, type: this.check(entry.keyKind.value, scope, depth + 1, inFormat) });
          if (entry.value) {
            const type = this.check(entry.value, scope, depth + 1, inFormat);
            values.push({ element: entry.value, type: entry.optionalEntry ? heldBy(type) : type });
          }
        }
        return mapOf(this.literalElement(keys, inFormat), this.literalElement(values, inFormat));
      }
      case 'comprehensionExpr':
        return this.comprehensionType(kind.value, scope, depth);
      case 'callExpr':
        return this.callType(expr, kind.value, scope, depth, inFormat);
      default:
        return DYN;
    }
  }

  identType(expr: Expr, name: string, scope: Scope): Type {
    const bound = scope.get(name);
    if (bound) return bound;
    const type = ROOT_VARIABLE_TYPES.get(name) ?? TYPE_VALUES.get(name);
    if (type) return type;
    if (name === 'variables') return DYN;
    if (name === 'authorizer') this.fail(expr, "'authorizer' is not available in ztgate rules (see docs/rules.md)");
    this.fail(expr, `undeclared reference to '${name}'${suggest(name, ROOT_VARIABLES)}`);
  }

  selectType(expr: Expr, select: SelectNode, scope: Scope, depth: number, inFormat: boolean): Type {
    const { operand, field, testOnly } = select;
    if (!operand) return DYN;
    const type = isVariables(operand, scope) ? this.variableType(expr, field) : this.fieldOf(expr, this.check(operand, scope, depth + 1, inFormat), field);
    return testOnly ? BOOL : type;
  }

  fieldOf(expr: Expr, operand: Type, field: string): Type {
    const typed = typeOfField(operand, field);
    if (!isRefusal(typed)) return typed;
    const resolved = resolve(operand);
    const hint = resolved.kind === 'object' ? suggest(field, [...resolved.fields.keys()]) : '';
    this.refuseType(expr, `${typed.refusal}${hint}`);
    return DYN;
  }

  variableType(expr: Expr, name: string): Type {
    const type = this.options.variables.get(name);
    // Unchecked, a variable is dyn, as it was before variables were typed (see CompileOptions.typeErrors).
    if (type) return this.options.checkTypes === false ? DYN : type;
    const known = [...this.options.variables.keys()];
    this.fail(
      expr,
      `undeclared reference to 'variables.${name}'${suggest(name, known)}; a variable may only use variables defined before it`,
    );
  }

  /**
   * The elements of a list literal, or the keys or values of a map literal, must be of one type, as
   * Kubernetes has cel-go check them (ValidateHomogeneousAggregateLiterals; `format`'s arguments are
   * exempt): `[1, 'a']` is refused where the second element stands. Kubernetes also refuses `dyn` (an
   * object's field) beside any other type; ztgate, which knows fewer types than cel-go's checker (a
   * quantity's, say), lets `dyn` stand beside any, so as never to refuse what Kubernetes accepts.
   */
  literalElement(elements: readonly { element: Expr; type: Type }[], inFormat: boolean): Type {
    if (inFormat) return DYN;
    const typed = elementType(elements.map(({ type }) => type));
    if (!('refusal' in typed)) return typed.type;
    this.refuseType(elements[typed.index]!.element, typed.refusal);
    return DYN;
  }

  comprehensionType(loop: ComprehensionNode, scope: Scope, depth: number): Type {
    const { iterRange, accuInit, loopCondition, loopStep, result, iterVar, iterVar2, accuVar } = loop;
    if (!iterRange || !accuInit || !loopCondition || !loopStep || !result) return DYN;
    const range = this.check(iterRange, scope, depth + 1);
    const accumulator = this.check(accuInit, scope, depth + 1);
    let variables = rangeTypes(range, iterVar2 !== '');
    if ('refusal' in variables) {
      this.refuseType(iterRange, variables.refusal);
      variables = [DYN, DYN];
    }
    const inner = new Map(scope);
    inner.set(iterVar, variables[0]);
    if (iterVar2 !== '') inner.set(iterVar2, variables[1]);
    inner.set(accuVar, accumulator);
    this.check(loopCondition, inner, depth + 1);
    // Binds what an empty accumulator holds (`[]` becomes `list(int)`); the macros' steps always fit.
    isAssignable(accumulator, this.check(loopStep, inner, depth + 1));
    return this.check(result, new Map(scope).set(accuVar, accumulator), depth + 1);
  }

  callType(expr: Expr, call: CallNode, scope: Scope, depth: number, inFormat: boolean): Type {
    const namespace = call.target ? qualifiedName(call.target) : undefined;
    const namespaced = namespace !== undefined && !scope.has(namespace.split('.')[0]!) && KNOWN_FUNCTIONS.has(`${namespace}.${call.function}`);
    const name = namespaced ? `${namespace}.${call.function}` : call.function;
    this.checkCallName(expr, call, namespace, namespaced, scope);
    if ((call.function === '_[_]' || call.function === OPT_INDEX) && call.args[0] && isVariables(call.args[0], scope)) {
      const key = call.args[1]?.exprKind;
      if (key?.case === 'constExpr' && key.value.constantKind.case === 'stringValue') {
        const type = this.variableType(expr, key.value.constantKind.value);
        if (call.function === '_[_]') return type;
      }
    }
    // A namespaced function's target (`strings` in strings.quote) is a name, not a value.
    const operands = [...(call.target && !namespaced ? [call.target] : []), ...call.args];
    const formatArgument = inFormat || call.function === 'format';
    const types = operands.map((operand) => this.check(operand, scope, depth + 1, formatArgument));
    // `x.?f` (and `has(x.?f)`): the field as a select would find it, of what the optional holds when x is one.
    let selected: Type | undefined;
    const field = call.args[1]?.exprKind.case === 'constExpr' ? call.args[1].exprKind.value.constantKind : undefined;
    if ((call.function === OPT_SELECT || call.function === OPT_HAS) && field?.case === 'stringValue') {
      const target = resolve(types[0]!);
      selected = isVariables(call.args[0]!, scope) ? this.variableType(expr, field.value) : this.fieldOf(expr, target.kind === 'optional' ? target.of : target, field.value);
    }
    let typed = call.function === OPT_SELECT && selected ? optionalOf(selected) : typeOfCall(name, call.target !== undefined && !namespaced, types);
    if (isRefusal(typed)) {
      this.refuseType(typed.operand === undefined ? expr : operands[typed.operand]!, typed.refusal);
      typed = DYN;
    }
    // After the operands and the types, so the innermost failing call is the one reported, as cel-go would.
    this.tryPattern(expr, call.target ? call.args[0] : call.function === 'matches' ? call.args[1] : undefined);
    this.tryConstant(expr, operands);
    return typed;
  }

  checkCallName(expr: Expr, call: CallNode, namespace: string | undefined, namespaced: boolean, scope: Scope): void {
    if (namespaced || KNOWN_FUNCTIONS.has(call.function)) return;
    const root = namespace?.split('.')[0];
    const name = namespace !== undefined && !scope.has(root!) && !(ROOT_VARIABLES as readonly string[]).includes(root!) ? `${namespace}.${call.function}` : call.function;
    this.fail(expr, `undeclared reference to function '${name}'${suggest(name, CALLABLE_NAMES)}`);
  }

  /** A constant regular expression is compiled (and cached) now, so a bad one fails at load. */
  tryPattern(expr: Expr, pattern: Expr | undefined): void {
    if (expr.exprKind.case !== 'callExpr' || !REGEX_FUNCTIONS.includes(expr.exprKind.value.function)) return;
    const constant = pattern?.exprKind.case === 'constExpr' ? pattern.exprKind.value.constantKind : undefined;
    if (constant?.case !== 'stringValue') return;
    try {
      compileRegex(constant.value);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // cel-go's ValidateRegexLiterals words a method call's bad pattern so, at the pattern; Kubernetes
      // refuses the other forms when it plans the program, without a place.
      if (expr.exprKind.value.function === 'matches' && expr.exprKind.value.target && pattern) this.fail(pattern, `invalid matches argument: ${reason}`);
      this.fail(expr, reason);
    }
  }

  /**
   * A library call on constants fails the same way on every request, so it fails at load instead. It runs
   * under a budget of its own: `lists.range(1000000000)` must not allocate here either.
   */
  tryConstant(expr: Expr, operands: Expr[]): void {
    if (!operands.every(isConstant)) return;
    const budget = new Budget(this.options.limits);
    // Evaluated as a rule's expression is, so a constant fails here exactly when it would fail on a request.
    const compiled = compileFast(expr);
    const result = withBudget(budget, () => (compiled ? inEvalContext(RULE_ENV, compiled, {}) : plan(RULE_ENV, expr)()));
    const { evaluationBudgetMs, maxSteps } = this.options.limits;
    if (budget.exhausted) this.fail(expr, `on constants alone, this call exceeds the evaluation budget (${evaluationBudgetMs}ms or ${maxSteps} steps)`);
    if (!isCelError(result)) return;
    const literal = validatedLiteral(expr);
    // Kubernetes' literal validators (cel-go's ValidateDurationLiterals and ValidateTimestampLiterals)
    // refuse these with their own words, at the argument.
    if (literal) this.fail(literal.argument, `invalid ${literal.function} argument`);
    this.fail(expr, result.message);
  }
}

/** `duration('…')` and `timestamp(…)` of one literal: the calls whose argument cel-go's literal validators check. */
function validatedLiteral(expr: Expr): { function: string; argument: Expr } | undefined {
  if (expr.exprKind.case !== 'callExpr') return undefined;
  const { function: name, target, args } = expr.exprKind.value;
  if ((name !== 'duration' && name !== 'timestamp') || target || args.length !== 1) return undefined;
  return args[0]!.exprKind.case === 'constExpr' ? { function: name, argument: args[0]! } : undefined;
}

/** Literals, and lists, maps and calls made only of literals (no variables, so no loops either). */
function isConstant(expr: Expr): boolean {
  const kind = expr.exprKind.case;
  if (kind === 'constExpr') return true;
  if (kind !== 'callExpr' && kind !== 'listExpr' && kind !== 'structExpr') return false;
  return children(expr).every(({ child }) => isConstant(child));
}

/** What an optional entry of a literal (`[?x]`, `{?k: x}`) contributes: the value its optional holds. */
function heldBy(type: Type): Type {
  const resolved = resolve(type);
  return resolved.kind === 'optional' ? resolved.of : DYN;
}

/** `variables` as the rule's variables, not a loop variable of that name. */
function isVariables(expr: Expr, scope: Scope): boolean {
  return expr.exprKind.case === 'identExpr' && expr.exprKind.value.name === 'variables' && !scope.has('variables');
}
