import { children, lineColumn, nextFreeId, type Expr, type ParsedExpr } from './ast.js';

/**
 * The macros Kubernetes' CEL environment has and @bufbuild/cel's parser does not expand, turned into
 * the comprehensions cel-go makes of them (its ext.TwoVarComprehensions, ext.Lists and optional library,
 * which Kubernetes enables):
 * - `all(k, v, p)`, `exists(k, v, p)`, `existsOne(k, v, p)` (also `exists_one`), `transformList`,
 *   `transformMap` and `transformMapEntry` with two variables (index and element of a list, key and value
 *   of a map), and an optional filter before the transform;
 * - `sortBy(e, key)`: the list bound once, then sorted by the keys `map(e, key)` gives;
 * - `optMap(x, e)` and `optFlatMap(x, e)` (cel-go's optional library): `e` with `x` bound to the
 *   optional's value, wrapped in an optional by optMap, none when the optional is none.
 * The parser leaves each as a plain call (it expands only the one-variable forms), so the calls are
 * rewritten in place after parsing. Each new node takes the position of the call it replaces, so errors
 * raised inside point at the macro. A second loop variable only ztgate's compiled form evaluates
 * (fast/planner.ts); compile.ts refuses an expression that would leave one to the library.
 */

export const MAP_INSERT = '@ztgate_map_insert';
export const SORT_BY_KEYS = '@ztgate_sort_by_keys';

/** The accumulator @bufbuild/cel's own macros use, and cel-go's older name for it, which a rule can write. */
const ACCUMULATOR = '@result';
const LEGACY_ACCUMULATOR = '__result__';
const SORT_BY_INPUT = '@__sortBy_input__';

/** Argument counts (the receiver aside) of each two-variable macro. */
const TWO_VARIABLE_ARITY: ReadonlyMap<string, readonly number[]> = new Map([
  ['all', [3]],
  ['exists', [3]],
  ['existsOne', [3]],
  ['exists_one', [3]],
  ['transformList', [3, 4]],
  ['transformMap', [3, 4]],
  ['transformMapEntry', [3, 4]],
]);

const SORTABLE_TARGETS = new Set(['listExpr', 'selectExpr', 'identExpr', 'comprehensionExpr', 'callExpr']);

export class MacroError extends Error {}

type Kind<K extends string> = Extract<Expr['exprKind'], { case: K }>['value'];
type Call = Kind<'callExpr'>;

interface Loop {
  iterRange: Expr;
  iterVar: string;
  iterVar2: string;
  accuVar: string;
  accuInit: Expr;
  loopCondition: Expr;
  loopStep: Expr;
  result: Expr;
}

function comprehension(loop: Loop): Expr['exprKind'] {
  return { case: 'comprehensionExpr', value: { $typeName: 'cel.expr.Expr.Comprehension', ...loop } } as Expr['exprKind'];
}

class Expander {
  private nextId: bigint;

  constructor(
    private readonly parsed: ParsedExpr,
    private readonly source: string,
  ) {
    this.nextId = nextFreeId(parsed);
  }

  private fail(expr: Expr, problem: string): never {
    const offset = this.parsed.sourceInfo?.positions[String(expr.id)];
    if (offset === undefined) throw new MacroError(problem);
    const { line, column } = lineColumn(this.source, offset);
    throw new MacroError(`line ${line}, column ${column}: ${problem}`);
  }

  /** A new node placed where `at` is. */
  private node(at: Expr, exprKind: Expr['exprKind']): Expr {
    const id = this.nextId++;
    const offset = this.parsed.sourceInfo?.positions[String(at.id)];
    if (offset !== undefined && this.parsed.sourceInfo) this.parsed.sourceInfo.positions[String(id)] = offset;
    return { $typeName: 'cel.expr.Expr', id, exprKind } as Expr;
  }

  private ident(at: Expr, name: string): Expr {
    return this.node(at, { case: 'identExpr', value: { $typeName: 'cel.expr.Expr.Ident', name } } as Expr['exprKind']);
  }

  private literal(at: Expr, constantKind: Kind<'constExpr'>['constantKind']): Expr {
    return this.node(at, { case: 'constExpr', value: { $typeName: 'cel.expr.Constant', constantKind } } as Expr['exprKind']);
  }

  private bool(at: Expr, value: boolean): Expr {
    return this.literal(at, { case: 'boolValue', value });
  }

  private int(at: Expr, value: bigint): Expr {
    return this.literal(at, { case: 'int64Value', value });
  }

  private call(at: Expr, fn: string, args: Expr[], target?: Expr): Expr {
    const value = { $typeName: 'cel.expr.Expr.Call', function: fn, args, ...(target ? { target } : {}) };
    return this.node(at, { case: 'callExpr', value } as Expr['exprKind']);
  }

  private list(at: Expr, elements: Expr[]): Expr {
    return this.node(at, { case: 'listExpr', value: { $typeName: 'cel.expr.Expr.CreateList', elements, optionalIndices: [] } } as Expr['exprKind']);
  }

  private emptyMap(at: Expr): Expr {
    return this.node(at, { case: 'structExpr', value: { $typeName: 'cel.expr.Expr.CreateStruct', messageName: '', entries: [] } } as Expr['exprKind']);
  }

  private accu(at: Expr): Expr {
    return this.ident(at, ACCUMULATOR);
  }

  /** Turns `expr` itself into the comprehension, so its id (and position) stays the macro call's. */
  private becomeComprehension(expr: Expr, loop: Loop): void {
    expr.exprKind = comprehension(loop);
  }

  private variableName(arg: Expr, problem = 'argument must be a simple name'): string {
    if (arg.exprKind.case !== 'identExpr') this.fail(arg, problem);
    return arg.exprKind.value.name;
  }

  private notAccumulator(name: string, arg: Expr): void {
    if (name === ACCUMULATOR || name === LEGACY_ACCUMULATOR) this.fail(arg, 'iteration variable overwrites accumulator variable');
  }

  private variables(call: Call): [string, string] {
    const [first, second] = [this.variableName(call.args[0]!), this.variableName(call.args[1]!)];
    if (first === second) this.fail(call.args[1]!, `duplicate variable name: ${first}`);
    this.notAccumulator(first, call.args[0]!);
    this.notAccumulator(second, call.args[1]!);
    return [first, second];
  }

  /** A copy of `expr` with ids of its own (each at the same position), as cel-go copies a macro's target. */
  private copy(expr: Expr): Expr {
    const clone = structuredClone(expr);
    const renumber = (node: Expr): void => {
      const offset = this.parsed.sourceInfo?.positions[String(node.id)];
      node.id = this.nextId++;
      if (offset !== undefined && this.parsed.sourceInfo) this.parsed.sourceInfo.positions[String(node.id)] = offset;
      for (const { child } of children(node)) renumber(child);
    };
    renumber(clone);
    return clone;
  }

  /**
   * cel-go's optMap and optFlatMap: `t.hasValue() ? optional.of(e) : optional.none()` (optFlatMap
   * without the `optional.of`), `e` evaluated in a loop over nothing that binds `x` to `t.value()`.
   */
  private optionalMap(expr: Expr, call: Call, target: Expr): void {
    const name = this.variableName(call.args[0]!, `${call.function}() variable name must be a simple identifier`);
    const optional = (fn: string, args: Expr[]) => this.call(expr, fn, args, this.ident(expr, 'optional'));
    const bound = this.node(
      expr,
      comprehension({
        iterRange: this.list(expr, []),
        iterVar: '#unused',
        iterVar2: '',
        accuVar: name,
        accuInit: this.call(expr, 'value', [], this.copy(target)),
        loopCondition: this.bool(expr, false),
        loopStep: this.ident(expr, name),
        result: call.args[1]!,
      }),
    );
    const present = call.function === 'optMap' ? optional('of', [bound]) : bound;
    expr.exprKind = this.call(expr, '_?_:_', [this.call(expr, 'hasValue', [], target), present, optional('none', [])]).exprKind;
  }

  /** cel-go's ext.TwoVarComprehensions, node for node. */
  private twoVariable(expr: Expr, call: Call, target: Expr): void {
    const [iterVar, iterVar2] = this.variables(call);
    const loop = { iterRange: target, iterVar, iterVar2, accuVar: ACCUMULATOR };
    const always = () => this.bool(expr, true);
    switch (call.function) {
      case 'all':
      case 'exists': {
        const all = call.function === 'all';
        const condition = all ? this.accu(expr) : this.call(expr, '!_', [this.accu(expr)]);
        this.becomeComprehension(expr, {
          ...loop,
          accuInit: this.bool(expr, all),
          loopCondition: this.call(expr, '@not_strictly_false', [condition]),
          loopStep: this.call(expr, all ? '_&&_' : '_||_', [this.accu(expr), call.args[2]!]),
          result: this.accu(expr),
        });
        return;
      }
      case 'existsOne':
      case 'exists_one':
        this.becomeComprehension(expr, {
          ...loop,
          accuInit: this.int(expr, 0n),
          loopCondition: always(),
          loopStep: this.call(expr, '_?_:_', [call.args[2]!, this.call(expr, '_+_', [this.accu(expr), this.int(expr, 1n)]), this.accu(expr)]),
          result: this.call(expr, '_==_', [this.accu(expr), this.int(expr, 1n)]),
        });
        return;
      default: {
        const filter = call.args.length === 4 ? call.args[2] : undefined;
        const transform = call.args[call.args.length - 1]!;
        const toList = call.function === 'transformList';
        let step: Expr;
        if (toList) step = this.call(expr, '_+_', [this.accu(expr), this.list(expr, [transform])]);
        else if (call.function === 'transformMap') step = this.call(expr, MAP_INSERT, [this.accu(expr), this.ident(expr, iterVar), transform]);
        else step = this.call(expr, MAP_INSERT, [this.accu(expr), transform]);
        if (filter) step = this.call(expr, '_?_:_', [filter, step, this.accu(expr)]);
        this.becomeComprehension(expr, {
          ...loop,
          accuInit: toList ? this.list(expr, []) : this.emptyMap(expr),
          loopCondition: always(),
          loopStep: step,
          result: this.accu(expr),
        });
      }
    }
  }

  /**
   * cel-go's sortBy: a loop over nothing that binds the list once (as cel.bind does), whose result sorts
   * it by the keys of `list.map(e, key)`.
   */
  private sortBy(expr: Expr, call: Call, target: Expr): void {
    if (!SORTABLE_TARGETS.has(target.exprKind.case ?? '')) {
      this.fail(target, 'sortBy can only be applied to a list, identifier, comprehension, call or select expression');
    }
    // The keys come from cel-go's map macro, with its wording.
    const element = this.variableName(call.args[0]!, 'argument is not an identifier');
    this.notAccumulator(element, call.args[0]!);
    const input = () => this.ident(expr, SORT_BY_INPUT);
    const keys = this.node(
      expr,
      comprehension({
        iterRange: input(),
        iterVar: element,
        iterVar2: '',
        accuVar: ACCUMULATOR,
        accuInit: this.list(expr, []),
        loopCondition: this.bool(expr, true),
        loopStep: this.call(expr, '_+_', [this.accu(expr), this.list(expr, [call.args[1]!])]),
        result: this.accu(expr),
      }),
    );
    this.becomeComprehension(expr, {
      iterRange: this.list(expr, []),
      iterVar: '#unused',
      iterVar2: '',
      accuVar: SORT_BY_INPUT,
      accuInit: target,
      loopCondition: this.bool(expr, false),
      loopStep: input(),
      result: this.call(expr, SORT_BY_KEYS, [input(), keys]),
    });
  }

  expand(expr: Expr): void {
    for (const { child } of children(expr)) this.expand(child);
    if (expr.exprKind.case !== 'callExpr') return;
    const call = expr.exprKind.value;
    const target = call.target;
    if (!target) return;
    if (TWO_VARIABLE_ARITY.get(call.function)?.includes(call.args.length)) this.twoVariable(expr, call, target);
    else if (call.function === 'sortBy' && call.args.length === 2) this.sortBy(expr, call, target);
    else if ((call.function === 'optMap' || call.function === 'optFlatMap') && call.args.length === 2) this.optionalMap(expr, call, target);
  }
}

/** Expands the macros @bufbuild/cel's parser leaves as calls; a MacroError says what is wrong and where. */
export function expandMacros(parsed: ParsedExpr, source: string): void {
  if (parsed.expr) new Expander(parsed, source).expand(parsed.expr);
}
