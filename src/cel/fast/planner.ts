import { celError, CelScalar, celUint, listType, mapType, type CelResult, type CelValue } from '@bufbuild/cel';
import { children, qualifiedName, type Expr } from '../ast.js';
import type { Bindings } from '../compile.js';
import { RULE_ENV, tick, TICK_FUNCTION } from '../env.js';
import {
  ComputedAccess,
  ConditionalAttribute,
  constantAccess,
  KeyAttributeAccess,
  NameAttribute,
  RelativeAttribute,
  StringAccess,
  Unsupported,
  type Evaluable,
  type Frame,
  type NameSource,
} from './access.js';
import {
  AndNode,
  AppendNode,
  AttributeNode,
  CallNode,
  ConstNode,
  FoldNode,
  HasNode,
  ListNode,
  MapNode,
  NotStrictlyFalseNode,
  OptionalOrNode,
  OrNode,
  QuantifierNode,
  TickNode,
  type LoopSlots,
} from './nodes.js';

/**
 * Compiles a parsed (and loop-instrumented) expression into evaluation nodes equivalent to
 * @bufbuild/cel's plan(RULE_ENV, expr), or returns undefined when the expression uses something
 * left to the library (the library's own optional forms `_?._` and `_[?_]`, message construction, names
 * that could be protobuf types). Two-variable comprehensions and optional entries in literals are the
 * other way round: only this compiler evaluates them (compile.ts refuses them when it cannot). The library
 * planned the expression first, so anything it rejects never gets here. ztgate's parser turns the
 * optional syntax into calls of its own functions (optional-syntax.ts), so those forms never come from a rule.
 */

type Kind<K extends string> = Extract<Expr['exprKind'], { case: K }>['value'];

/** The type names an unbound identifier stands for, as the library's findIdent answers. */
const TYPE_IDENTS: Readonly<Record<string, CelValue>> = {
  int: CelScalar.INT,
  uint: CelScalar.UINT,
  double: CelScalar.DOUBLE,
  bool: CelScalar.BOOL,
  string: CelScalar.STRING,
  bytes: CelScalar.BYTES,
  list: listType(CelScalar.DYN),
  map: mapType(CelScalar.DYN, CelScalar.DYN),
  null_type: CelScalar.NULL,
  type: CelScalar.TYPE,
};

/**
 * The only dotted names bindings hold (activation.ts): `variables.<name>`. Any other dotted candidate
 * can match neither a binding nor a comprehension variable (their names have no dots), nor a type: the
 * environment's registry holds only google.protobuf types, which are left to the library.
 */
const DOTTED_ROOT = 'variables';

type Scope = ReadonlyMap<string, number>;

/** The tick can skip the dispatch only while it is the one overload of its name. */
const TICK_ALONE = ((group) => group !== undefined && [...group].length === 1 && [...group][0] === tick)(RULE_ENV.funcs.find(TICK_FUNCTION));

class Planner {
  slots = 0;
  /** The slots that hold a comprehension's accumulator. */
  private readonly accumulators = new Set<number>();

  sourceFor(scope: Scope) {
    return (name: string): NameSource => {
      const slot = scope.get(name);
      if (slot !== undefined) return { kind: 'slot', slot };
      if (!name.includes('.')) {
        const type = Object.hasOwn(TYPE_IDENTS, name) ? TYPE_IDENTS[name] : undefined;
        return type === undefined ? { kind: 'binding', key: name } : { kind: 'binding', key: name, type };
      }
      return name.startsWith(`${DOTTED_ROOT}.`) ? { kind: 'binding', key: name } : { kind: 'none' };
    };
  }

  plan(expr: Expr, scope: Scope): Evaluable {
    const id = Number(expr.id);
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'identExpr':
        return this.ident(id, kind.value.name, scope);
      case 'constExpr':
        return new ConstNode(id, constant(kind.value));
      case 'callExpr':
        return this.call(id, kind.value, scope);
      case 'listExpr': {
        const { elements, optionalIndices } = kind.value;
        const optionals = optionalIndices.length > 0 ? elements.map((_, i) => optionalIndices.includes(i)) : undefined;
        return new ListNode(id, elements.map((element) => this.plan(element, scope)), optionals);
      }
      case 'structExpr':
        return this.map(id, kind.value, scope);
      case 'selectExpr':
        return this.select(id, kind.value, scope);
      case 'comprehensionExpr':
        return this.comprehension(id, kind.value, scope);
      default:
        throw new Unsupported(`expression kind ${String(kind.case)}`);
    }
  }

  ident(id: number, name: string, scope: Scope): AttributeNode {
    // Leading-dot names and google.protobuf types resolve through the library's registry.
    if (name.startsWith('.') || name === 'google') throw new Unsupported(`the name ${name}, which may stand for a protobuf type`);
    return new AttributeNode(new NameAttribute(id, name, this.sourceFor(scope)));
  }

  /** The library reuses an attribute operand, so accesses added later extend its qualified names. */
  relative(id: number, operand: Evaluable): AttributeNode {
    return operand instanceof AttributeNode ? operand : new AttributeNode(new RelativeAttribute(id, operand));
  }

  select(id: number, select: Kind<'selectExpr'>, scope: Scope): Evaluable {
    if (!select.operand) throw new Unsupported('select without operand');
    const attr = this.relative(id, this.plan(select.operand, scope));
    const access = new StringAccess(id, select.field);
    if (select.testOnly) return new HasNode(id, attr, access);
    attr.attr.addAccess(access);
    return attr;
  }

  call(id: number, call: Kind<'callExpr'>, scope: Scope): Evaluable {
    const append = this.append(id, call, scope);
    if (append) return append;
    if (call.target) {
      const qualified = qualifiedName(call.target);
      if (qualified !== undefined) {
        const name = `${qualified}.${call.function}`;
        if (name.startsWith('.')) throw new Unsupported(`function ${name}`);
        const func = RULE_ENV.funcs.find(name);
        if (func) return new CallNode(id, name, undefined, func, call.args.map((arg) => this.plan(arg, scope)));
      }
    }
    const args = call.args.map((arg) => this.plan(arg, scope));
    if (call.target) args.unshift(this.plan(call.target, scope));
    switch (call.function) {
      case '_[_]':
        return this.index(args);
      case '_[?_]':
      case '_?._':
        throw new Unsupported('optional access');
      case '_?_:_': {
        const [condition, whenTrue, whenFalse] = args as [Evaluable, Evaluable, Evaluable];
        const t = this.relative(whenTrue.id, whenTrue).attr;
        const f = this.relative(whenFalse.id, whenFalse).attr;
        return new AttributeNode(new ConditionalAttribute(id, condition, t, f));
      }
      case '_&&_':
        return new AndNode(id, args);
      case '_||_':
        return new OrNode(id, args);
      case '@not_strictly_false':
      case '__not_strictly_false__':
        return new NotStrictlyFalseNode(id, args[0]!);
      default: {
        if (call.function === TICK_FUNCTION && TICK_ALONE && !call.target && args.length === 1) return new TickNode(id, args[0]!);
        const func = RULE_ENV.funcs.find(call.function);
        if (!call.target) return new CallNode(id, call.function, undefined, func, args);
        const node = new CallNode(id, call.function, args[0], func, args.slice(1));
        const shortCircuits = (call.function === 'or' || call.function === 'orValue') && args.length === 2;
        return shortCircuits ? new OptionalOrNode(id, args[0]!, args[1]!, call.function === 'orValue', node) : node;
      }
    }
  }

  /** `accu + [e, ...]` with accu a comprehension's accumulator: the step of map, filter and transformList. */
  append(id: number, call: Kind<'callExpr'>, scope: Scope): AppendNode | undefined {
    if (call.function !== '_+_' || call.target || call.args.length !== 2) return undefined;
    const [left, right] = call.args as [Expr, Expr];
    const slot = left.exprKind.case === 'identExpr' ? scope.get(left.exprKind.value.name) : undefined;
    if (slot === undefined || !this.accumulators.has(slot)) return undefined;
    if (right.exprKind.case !== 'listExpr' || right.exprKind.value.optionalIndices.length > 0) return undefined;
    const elements = right.exprKind.value.elements.map((element) => this.plan(element, scope));
    return new AppendNode(id, this.plan(left, scope), elements);
  }

  index(args: Evaluable[]): Evaluable {
    const [operand, index] = args as [Evaluable, Evaluable];
    const attr = this.relative(operand.id, operand);
    if (index instanceof ConstNode) attr.attr.addAccess(constantAccess(operand.id, index.value));
    else if (index instanceof AttributeNode) attr.attr.addAccess(new KeyAttributeAccess(operand.id, index));
    else attr.attr.addAccess(new ComputedAccess(operand.id, index));
    return attr;
  }

  map(id: number, struct: Kind<'structExpr'>, scope: Scope): Evaluable {
    if (struct.messageName !== '') throw new Unsupported('message construction');
    const keys: Evaluable[] = [];
    const values: Evaluable[] = [];
    for (const entry of struct.entries) {
      if (entry.keyKind.case !== 'mapKey' || !entry.value) throw new Unsupported('map entry');
      keys.push(this.plan(entry.keyKind.value, scope));
      values.push(this.plan(entry.value, scope));
    }
    const optionals = struct.entries.some((entry) => entry.optionalEntry) ? struct.entries.map((entry) => entry.optionalEntry) : undefined;
    return new MapNode(id, keys, values, optionals);
  }

  comprehension(id: number, c: Kind<'comprehensionExpr'>, scope: Scope): Evaluable {
    if (!c.accuInit || !c.iterRange || !c.loopCondition || !c.loopStep || !c.result) throw new Unsupported('partial comprehension');
    // `variables` as a loop variable would shadow the dotted variable names, which the library resolves first.
    if ([c.iterVar, c.iterVar2, c.accuVar].includes(DOTTED_ROOT)) throw new Unsupported(`a loop variable named ${DOTTED_ROOT}`);
    const accuInit = this.plan(c.accuInit, scope);
    const iterRange = this.plan(c.iterRange, scope);
    const accuSlot = this.slots++;
    this.accumulators.add(accuSlot);
    // The second variable (macros.ts) is this compiler's alone: the library would leave it unbound.
    const loop: LoopSlots = { first: this.slots++, second: c.iterVar2 === '' ? undefined : this.slots++ };
    const withAccu = new Map(scope).set(c.accuVar, accuSlot);
    const inLoop = new Map(withAccu).set(c.iterVar, loop.first);
    if (loop.second !== undefined) inLoop.set(c.iterVar2, loop.second);
    const quantifier = quantifierMacro(c);
    if (quantifier && TICK_ALONE) {
      const { absorbing, predicate, tickId, stepId } = quantifier;
      return new QuantifierNode(id, absorbing, accuSlot, loop, iterRange, this.plan(predicate, inLoop), tickId, stepId);
    }
    const condition = this.plan(c.loopCondition, inLoop);
    const step = this.plan(c.loopStep, inLoop);
    const result = this.plan(c.result, withAccu);
    return new FoldNode(id, accuSlot, loop, iterRange, accuInit, condition, step, result);
  }
}

const NOT_STRICTLY_FALSE = ['@not_strictly_false', '__not_strictly_false__'];

function callOf(expr: Expr | undefined): Kind<'callExpr'> | undefined {
  return expr?.exprKind.case === 'callExpr' ? expr.exprKind.value : undefined;
}

function isIdent(expr: Expr | undefined, name: string): boolean {
  return expr?.exprKind.case === 'identExpr' && expr.exprKind.value.name === name;
}

/** `@not_strictly_false(accu)` for all, `@not_strictly_false(!accu)` for exists. */
function continuesWhile(condition: Expr | undefined, accuVar: string, absorbing: boolean): boolean {
  const call = callOf(condition);
  if (!call || !NOT_STRICTLY_FALSE.includes(call.function) || call.target || call.args.length !== 1) return false;
  if (!absorbing) return isIdent(call.args[0], accuVar);
  const not = callOf(call.args[0]);
  return not !== undefined && not.function === '!_' && !not.target && not.args.length === 1 && isIdent(not.args[0], accuVar);
}

/**
 * The parser's expansions of `all(x, p)` and `exists(x, p)` after the loop tick is added (ast.ts
 * instrumentLoops): accumulator true (false), condition `tick(@not_strictly_false(accu))`
 * (`…(!accu)`), step `accu && p` (`accu || p`), result `accu`. Anything else, including a hand-written
 * comprehension of another shape, stays a FoldNode.
 */
function quantifierMacro(c: Kind<'comprehensionExpr'>): { absorbing: boolean; predicate: Expr; tickId: number; stepId: number } | undefined {
  const init = c.accuInit?.exprKind;
  if (init?.case !== 'constExpr' || init.value.constantKind.case !== 'boolValue') return undefined;
  const absorbing = !init.value.constantKind.value;
  const tickCall = callOf(c.loopCondition);
  if (!tickCall || tickCall.function !== TICK_FUNCTION || tickCall.target || tickCall.args.length !== 1) return undefined;
  if (!continuesWhile(tickCall.args[0], c.accuVar, absorbing)) return undefined;
  const step = callOf(c.loopStep);
  const operator = absorbing ? '_||_' : '_&&_';
  if (!step || step.function !== operator || step.target || step.args.length !== 2 || !isIdent(step.args[0], c.accuVar)) return undefined;
  if (!isIdent(c.result, c.accuVar)) return undefined;
  return { absorbing, predicate: step.args[1]!, tickId: Number(c.loopCondition!.id), stepId: Number(c.loopStep!.id) };
}

function constant(value: Kind<'constExpr'>): CelValue {
  const kind = value.constantKind;
  switch (kind.case) {
    case 'stringValue':
    case 'bytesValue':
    case 'doubleValue':
    case 'boolValue':
    case 'int64Value':
      return kind.value;
    case 'uint64Value':
      return celUint(kind.value);
    case 'nullValue':
      return null;
    default:
      throw new Unsupported(`constant ${String(kind.case)}`);
  }
}

export type FastProgram = (bindings: Bindings) => CelResult;

/**
 * What in the expression only this compiler evaluates, if anything: the library would run a loop's
 * second variable unbound (macros.ts) and ignore a literal's optional entries (optional-syntax.ts).
 */
export function compiledOnly(expr: Expr): string | undefined {
  const kind = expr.exprKind;
  if (kind.case === 'comprehensionExpr' && kind.value.iterVar2 !== '') return 'a two-variable comprehension';
  if (kind.case === 'listExpr' && kind.value.optionalIndices.length > 0) return 'an optional list element';
  if (kind.case === 'structExpr' && kind.value.entries.some((entry) => entry.optionalEntry)) return 'an optional map entry';
  for (const { child } of children(expr)) {
    const found = compiledOnly(child);
    if (found) return found;
  }
  return undefined;
}

/**
 * The compiled program, or undefined when the library must evaluate this expression itself;
 * `unsupported` then hears what in it was left to the library.
 */
export function compileFast(expr: Expr, unsupported?: (what: string) => void): FastProgram | undefined {
  const planner = new Planner();
  let root: Evaluable;
  try {
    root = planner.plan(expr, new Map());
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
    unsupported?.(error.message);
    return undefined;
  }
  const slots = planner.slots;
  const rootId = root.id;
  return (bindings) => {
    const frame: Frame = { bindings, slots: new Array<CelResult>(slots) };
    try {
      return root.eval(frame);
    } catch (error) {
      return celError(error, rootId);
    }
  };
}
