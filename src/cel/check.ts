import { isCelError, plan } from '@bufbuild/cel';
import { children, lineColumn, qualifiedName, type Expr, type ParsedExpr } from './ast.js';
import { Budget, withBudget, type RuleLimits } from './budget.js';
import { inEvalContext } from './context.js';
import { KNOWN_FUNCTIONS, RULE_ENV } from './env.js';
import { compileFast } from './fast/planner.js';
import { compileRegex } from './lib/regex.js';
import { OPT_HAS, OPT_INDEX, OPT_SELECT } from './optional-syntax.js';
import { staticTypeOf, type StaticType } from './result-type.js';

/** The variables of a Kubernetes ValidatingAdmissionPolicy (authorizer is not offered, see docs/rules.md). */
export const ROOT_VARIABLES = ['object', 'oldObject', 'request', 'namespaceObject', 'params', 'variables'] as const;

/** Fields of `request`, as Kubernetes exposes the admission request to CEL. */
export const REQUEST_FIELDS = [
  'uid',
  'kind',
  'resource',
  'subResource',
  'requestKind',
  'requestResource',
  'requestSubResource',
  'name',
  'namespace',
  'operation',
  'userInfo',
  'dryRun',
  'options',
] as const;

const REGEX_FUNCTIONS = ['matches', 'find', 'findAll'];

/** Suggestions offer names a user can type, not operators such as `_+_`. */
const CALLABLE_NAMES = [...KNOWN_FUNCTIONS].filter((name) => /^[A-Za-z]/.test(name));

/** Type names usable as values (`type(x) == string`). */
const TYPE_NAMES = ['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn'];

export interface CheckOptions {
  limits: RuleLimits;
  /** Names usable as `variables.<name>` here: those defined earlier in the rule. */
  variables: ReadonlySet<string>;
}

export class CompileError extends Error {}

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

/**
 * Checks what a type checker would catch first: unknown variables and functions, `variables.<name>`
 * defined later or not at all, unknown request fields, and library calls on constants that can only fail
 * (a bad regular expression or quantity). Reports the first problem with its position.
 */
export class Checker {
  constructor(
    private readonly parsed: ParsedExpr,
    private readonly source: string,
    private readonly options: CheckOptions,
  ) {}

  fail(expr: Expr, problem: string): never {
    throw new CompileError(`${this.at(expr.id)}${problem}`);
  }

  at(id: bigint): string {
    let offset = this.parsed.sourceInfo?.positions[String(id)];
    if (offset === undefined) return '';
    // The parser puts an operator after a number literal at the space before it (`1 + 2u`: column 2);
    // cel-go, and every other operator here, at the operator itself.
    while (offset < this.source.length && /\s/.test(this.source[offset]!)) offset++;
    const { line, column } = lineColumn(this.source, offset);
    return `line ${line}, column ${column}: `;
  }

  /** `inFormat`: the expression is an argument of a `format` call, at any depth (see checkHomogeneous). */
  check(expr: Expr, scope: ReadonlySet<string>, depth: number, inFormat = false): void {
    if (depth > this.options.limits.maxNestingDepth) {
      this.fail(expr, `the expression nests deeper than ${this.options.limits.maxNestingDepth} levels`);
    }
    const kind = expr.exprKind;
    let operands = children(expr);
    switch (kind.case) {
      case 'identExpr':
        this.checkIdent(expr, kind.value.name, scope);
        break;
      case 'selectExpr':
        this.checkSelect(expr, kind.value.operand, kind.value.field, scope);
        break;
      case 'callExpr':
        // A namespaced function's target (`strings` in strings.quote) is a name, not a value.
        if (this.checkCall(expr, scope)) operands = operands.filter(({ child }) => child !== kind.value.target);
        break;
      case 'structExpr':
        if (kind.value.messageName !== '') this.fail(expr, `message construction (${kind.value.messageName}{...}) is not supported`);
        if (inFormat) break;
        this.checkHomogeneous(kind.value.entries.flatMap((entry) => (entry.keyKind.case === 'mapKey' ? [entry.keyKind.value] : [])));
        this.checkHomogeneous(kind.value.entries.flatMap((entry) => (entry.value && !entry.optionalEntry ? [entry.value] : [])));
        break;
      case 'listExpr':
        if (!inFormat) this.checkHomogeneous(kind.value.elements.filter((_, i) => !kind.value.optionalIndices.includes(i)));
        break;
      default:
        break;
    }
    for (const { child, binds } of operands) {
      const formatArgument = inFormat || (kind.case === 'callExpr' && kind.value.function === 'format');
      this.check(child, binds.length === 0 ? scope : new Set([...scope, ...binds]), depth + 1, formatArgument);
    }
    // After the operands, so the innermost failing call is the one reported.
    if (kind.case === 'callExpr') {
      this.tryPattern(expr, kind.value.target ? kind.value.args[0] : kind.value.function === 'matches' ? kind.value.args[1] : undefined);
      this.tryConstant(expr, operands.map(({ child }) => child));
    }
  }

  checkIdent(expr: Expr, name: string, scope: ReadonlySet<string>): void {
    if (scope.has(name) || (ROOT_VARIABLES as readonly string[]).includes(name) || TYPE_NAMES.includes(name)) return;
    if (name === 'authorizer') this.fail(expr, "'authorizer' is not available in ztgate rules (see docs/rules.md)");
    this.fail(expr, `undeclared reference to '${name}'${suggest(name, ROOT_VARIABLES)}`);
  }

  checkSelect(expr: Expr, operand: Expr | undefined, field: string, scope: ReadonlySet<string>): void {
    const root = operand?.exprKind.case === 'identExpr' ? operand.exprKind.value.name : undefined;
    if (root === undefined || scope.has(root)) return;
    if (root === 'variables') this.checkVariable(expr, field);
    if (root === 'request' && !(REQUEST_FIELDS as readonly string[]).includes(field)) {
      this.fail(expr, `request has no field '${field}'${suggest(field, REQUEST_FIELDS)}`);
    }
  }

  checkVariable(expr: Expr, name: string): void {
    if (this.options.variables.has(name)) return;
    const known = [...this.options.variables];
    this.fail(
      expr,
      `undeclared reference to 'variables.${name}'${suggest(name, known)}; a variable may only use variables defined before it`,
    );
  }

  /**
   * The elements of a list literal, or the keys or values of a map literal, must be of one type, as
   * Kubernetes has cel-go check them (ValidateHomogeneousAggregateLiterals; `format`'s arguments are
   * exempt): `[1, 'a']` is refused where the second element stands. Kubernetes also refuses `dyn` (an
   * object's field) beside any other type; ztgate, which knows fewer types than cel-go's checker, lets
   * `dyn` stand beside any, so as never to refuse what Kubernetes accepts. Optional entries are skipped.
   */
  checkHomogeneous(elements: readonly Expr[]): void {
    let first: StaticType | undefined;
    let firstElement: Expr | undefined;
    for (const element of elements) {
      const type = staticTypeOf(element);
      if (type === 'dyn') continue;
      if (first === undefined) [first, firstElement] = [type, element];
      else if (type !== first) this.fail(element, `expected type '${celTypeName(first, firstElement)}' but found '${celTypeName(type, element)}'`);
    }
  }

  /** True when the call was a namespaced function (`strings.quote`), whose target is not a value. */
  checkCall(expr: Expr, scope: ReadonlySet<string>): boolean {
    if (expr.exprKind.case !== 'callExpr') return false;
    const call = expr.exprKind.value;
    const namespace = call.target ? qualifiedName(call.target) : undefined;
    const namespaced = namespace !== undefined && !scope.has(namespace.split('.')[0]!) && KNOWN_FUNCTIONS.has(`${namespace}.${call.function}`);
    if (!namespaced && !KNOWN_FUNCTIONS.has(call.function)) {
      const name = namespace !== undefined && !(ROOT_VARIABLES as readonly string[]).includes(namespace.split('.')[0]!) ? `${namespace}.${call.function}` : call.function;
      this.fail(expr, `undeclared reference to function '${name}'${suggest(name, CALLABLE_NAMES)}`);
    }
    if ((call.function === OPT_SELECT || call.function === OPT_HAS) && call.args[1]?.exprKind.case === 'constExpr') {
      const field = call.args[1].exprKind.value.constantKind;
      if (field.case === 'stringValue') this.checkSelect(expr, call.args[0], field.value, scope);
    }
    if ((call.function === '_[_]' || call.function === OPT_INDEX) && call.args[0] && qualifiedName(call.args[0]) === 'variables' && !scope.has('variables')) {
      const key = call.args[1]?.exprKind;
      if (key?.case === 'constExpr' && key.value.constantKind.case === 'stringValue') this.checkVariable(expr, key.value.constantKind.value);
    }
    return namespaced;
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

const CEL_GO_NAMES: Readonly<Record<string, string>> = { null_type: 'null', 'google.protobuf.Timestamp': 'timestamp', 'google.protobuf.Duration': 'duration' };

/**
 * A type as cel-go's messages name it, with its parameters where the expression shows them: a literal's
 * elements (`list(int)`, `map(string, list(int))`, `list(dyn)` when empty or mixed) and a type value
 * (`type(int)`). Elsewhere the parameters are not known here, and only the kind is named.
 */
function celTypeName(type: StaticType, expr?: Expr): string {
  const kind = expr?.exprKind;
  if (kind?.case === 'listExpr') return `list(${commonTypeName(kind.value.elements.filter((_, i) => !kind.value.optionalIndices.includes(i)))})`;
  if (kind?.case === 'structExpr' && kind.value.messageName === '') {
    const entries = kind.value.entries.filter((entry) => !entry.optionalEntry);
    const keys = entries.flatMap((entry) => (entry.keyKind.case === 'mapKey' ? [entry.keyKind.value] : []));
    return `map(${commonTypeName(keys)}, ${commonTypeName(entries.flatMap((entry) => (entry.value ? [entry.value] : [])))})`;
  }
  if (type === 'type' && kind?.case === 'callExpr' && kind.value.function === 'type' && kind.value.args.length === 1) {
    return `type(${celTypeName(staticTypeOf(kind.value.args[0]), kind.value.args[0])})`;
  }
  return CEL_GO_NAMES[type] ?? type;
}

/** The one type of these expressions, named as cel-go does, or dyn when there are none or they differ. */
function commonTypeName(exprs: readonly Expr[]): string {
  const names = new Set(exprs.map((expr) => celTypeName(staticTypeOf(expr), expr)));
  return names.size === 1 ? [...names][0]! : 'dyn';
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

