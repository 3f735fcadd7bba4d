import {
  celError,
  celList,
  celMap,
  CelScalar,
  celType,
  isCelError,
  isCelList,
  isCelMap,
  isCelType,
  isCelUint,
  type CelEnv,
  type CelError,
  type CelList,
  type CelMap,
  type CelResult,
  type CelType,
  type CelValue,
} from '@bufbuild/cel';
import { charge } from '../budget.js';
import { describeValue, elementsOf } from '../values.js';
import { NOT_OPTIONAL, optionalContent } from '../lib/optional.js';
import type { Attribute, Evaluable, Frame, StringAccess } from './access.js';

/**
 * The evaluation nodes of @bufbuild/cel 0.6's planner (planner.js), one class each, with the same
 * order of evaluation, short-circuits and error values. Comprehension variables live in frame slots
 * instead of a chain of activations allocated per item.
 */

export type FuncGroup = NonNullable<ReturnType<CelEnv['funcs']['find']>>;

/**
 * The library merges the errors of `&&` and `||` into one carrying the others as its cause, with a
 * class it does not export; an error it created gives access to that class.
 */
const CelErrorClass = Object.getPrototypeOf(celError('')).constructor as new (message: string, cause: unknown, exprId: bigint | undefined) => CelError;

function mergeErrors(errors: CelError[]): CelError {
  const [first, ...rest] = errors as [CelError, ...CelError[]];
  return new CelErrorClass(first.message, rest, first.exprId);
}

const EMPTY_LIST = celList([]);
const EMPTY_MAP = celMap(new Map());

export class AttributeNode implements Evaluable {
  readonly id: number;

  constructor(readonly attr: Attribute) {
    this.id = attr.id;
  }

  eval(frame: Frame): CelResult {
    const value = this.attr.resolve(frame);
    return value === undefined ? celError('unresolved attribute', this.id) : value;
  }

  resolve(frame: Frame): CelResult | undefined {
    return this.attr.resolve(frame);
  }
}

export class ConstNode implements Evaluable {
  constructor(
    readonly id: number,
    readonly value: CelValue,
  ) {}

  eval(): CelResult {
    return this.value;
  }
}

export class HasNode implements Evaluable {
  constructor(
    readonly id: number,
    private readonly attr: AttributeNode,
    private readonly access: StringAccess,
  ) {}

  eval(frame: Frame): CelResult {
    const raw = this.attr.resolve(frame);
    if (raw === undefined) return false;
    if (isCelError(raw)) return raw;
    return this.access.isPresent(raw);
  }
}

type CelFunc = FuncGroup extends Iterable<infer F> ? F : never;

/** A small code per kind of value whose overload choice depends on it; undefined for protobuf messages. */
function kindCode(value: CelValue | undefined): number | undefined {
  switch (typeof value) {
    case 'undefined':
      return 1;
    case 'bigint':
      return 2;
    case 'boolean':
      return 3;
    case 'number':
      return 4;
    case 'string':
      return 5;
    case 'object':
      if (value === null) return 6;
      if (isCelList(value)) return 7;
      if (isCelMap(value)) return 8;
      if (isCelUint(value)) return 9;
      if (value instanceof Uint8Array) return 10;
      if (isCelType(value)) return 11;
      return undefined;
    default:
      return undefined;
  }
}

const MAX_CACHED_ARGS = 4;

type Impl = (this: unknown, ...args: unknown[]) => unknown;

/** Result types whose implementations return a JavaScript primitive that is its own CEL value. */
const PRIMITIVE_RESULTS = new Set(['bool', 'int', 'double', 'string']);

/**
 * The implementation behind an overload, when calling it directly gives what the library's call gives.
 * The library's call checks the arguments against the overload again (this node chose it for exactly
 * these kinds of values, so they fit) and converts the result with toCel, which leaves a primitive as it
 * is. Only overloads declared to return bool, int, double or string qualify, and only when the library
 * keeps the implementation where 0.6 does; otherwise the library's call is used.
 */
function directImpl(func: CelFunc): Impl | undefined {
  const impl = (func as unknown as { _impl?: unknown })._impl;
  const result = func.result;
  if (typeof impl !== 'function' || result.kind !== 'scalar' || !PRIMITIVE_RESULTS.has(result.name)) return undefined;
  return impl as Impl;
}

function isPrimitive(value: unknown): value is bigint | boolean | number | string {
  const type = typeof value;
  return type === 'bigint' || type === 'boolean' || type === 'number' || type === 'string';
}

/** The library's isSubtypeOf: dyn, or the same kind and name of type. */
function fits(value: CelValue, type: CelType): boolean {
  if (type === CelScalar.DYN) return true;
  const actual = celType(value);
  return actual.kind === type.kind && actual.name === type.name;
}

/** The overload the library's group would call: the first whose receiver and arguments fit. */
function overloadFor(group: FuncGroup, target: CelValue | undefined, args: CelValue[]): CelFunc | undefined {
  for (const func of group) {
    if ((func.target === undefined) !== (target === undefined)) continue;
    if (target !== undefined && !fits(target, func.target!)) continue;
    if (func.arguments.length !== args.length) continue;
    if (args.every((arg, i) => fits(arg, func.arguments[i]!))) return func;
  }
  return undefined;
}

/**
 * A function call. The overload is chosen as the library chooses it (first fit in its group's order,
 * which depends only on the kinds of the values), and remembered for the kinds last seen.
 */
export class CallNode implements Evaluable {
  private cachedKey = -1;
  private cachedFunc: CelFunc | undefined;
  private cachedImpl: Impl | undefined;

  constructor(
    readonly id: number,
    private readonly name: string,
    private readonly target: Evaluable | undefined,
    private readonly func: FuncGroup | undefined,
    private readonly args: Evaluable[],
  ) {}

  private keyOf(target: CelValue | undefined, values: CelValue[]): number {
    if (values.length > MAX_CACHED_ARGS) return -1;
    let key = kindCode(target);
    if (key === undefined) return -1;
    for (const value of values) {
      const code = kindCode(value);
      if (code === undefined) return -1;
      key = key * 16 + code;
    }
    return key * 8 + values.length;
  }

  private dispatch(group: FuncGroup, target: CelValue | undefined, values: CelValue[]): CelResult | undefined {
    const key = this.keyOf(target, values);
    if (key < 0) return group.call(this.id, target, values);
    if (key !== this.cachedKey) {
      this.cachedFunc = overloadFor(group, target, values);
      this.cachedImpl = this.cachedFunc && directImpl(this.cachedFunc);
      this.cachedKey = key;
    }
    const impl = this.cachedImpl;
    if (impl === undefined) return this.cachedFunc?.call(this.id, target, values);
    let result: unknown;
    try {
      result = impl.apply(target, values);
    } catch (error) {
      return celError(error, this.id);
    }
    // A result that is not the primitive its type promises is left to the library's conversion.
    return isPrimitive(result) ? result : this.cachedFunc!.call(this.id, target, values);
  }

  eval(frame: Frame): CelResult {
    if (this.func === undefined) return celError(`unbound function: ${this.name}`, this.id);
    const target = this.target?.eval(frame);
    if (isCelError(target)) return target;
    const values: CelValue[] = [];
    for (const arg of this.args) {
      const value = arg.eval(frame);
      if (isCelError(value)) return value;
      values.push(value);
    }
    return this.apply(target, values);
  }

  /** The call on values already evaluated. */
  apply(target: CelValue | undefined, values: CelValue[]): CelResult {
    if (this.func === undefined) return celError(`unbound function: ${this.name}`, this.id);
    const result = this.dispatch(this.func, target, values);
    if (result !== undefined) return result;
    const receiver = target !== undefined ? `${String(celType(target))}.` : '';
    const types = values.map((value) => celType(value).name).join(', ');
    return celError(`found no matching overload for '${this.name}' applied to '${receiver}(${types})'`, this.id);
  }
}

/**
 * `a.or(b)` and `a.orValue(b)` evaluate `b` only when `a` is none, as cel-go's interpreter does
 * (decorateOptionalOr): kube-apiserver answers `optional.of(1).orValue(1/0)` with 1. A receiver that is
 * no optional is left to the call, which says so.
 */
export class OptionalOrNode implements Evaluable {
  constructor(
    readonly id: number,
    private readonly target: Evaluable,
    private readonly fallback: Evaluable,
    private readonly unwrap: boolean,
    private readonly call: CallNode,
  ) {}

  eval(frame: Frame): CelResult {
    const target = this.target.eval(frame);
    if (isCelError(target)) return target;
    const content = optionalContent(target);
    if (content !== NOT_OPTIONAL && content !== undefined) return this.unwrap ? content : target;
    const fallback = this.fallback.eval(frame);
    if (isCelError(fallback)) return fallback;
    return this.call.apply(target, [fallback]);
  }
}

/**
 * The loop tick (env.ts) without the function-table dispatch: the argument first, then one step
 * charged, a spent budget becoming this call's error, as the library's call would make it.
 */
export class TickNode implements Evaluable {
  constructor(
    readonly id: number,
    private readonly arg: Evaluable,
  ) {}

  eval(frame: Frame): CelResult {
    const value = this.arg.eval(frame);
    if (isCelError(value)) return value;
    try {
      charge(1);
    } catch (error) {
      return celError(error, this.id);
    }
    return value;
  }
}

/**
 * What an optional entry of a literal (`[a, ?b]`, `{?k: v}`) holds, as cel-go's evalList and evalMap
 * read it: the optional's value, undefined when it is none, or an error when the entry is no optional.
 */
function optionalEntry(value: CelValue, id: number, entry: () => string): CelValue | undefined | CelError {
  const content = optionalContent(value);
  if (content === NOT_OPTIONAL) return celError(`cannot initialize optional ${entry()} from non-optional value ${describeValue(value)}`, id);
  return content;
}

export class ListNode implements Evaluable {
  constructor(
    readonly id: number,
    private readonly elements: Evaluable[],
    /** Which elements are optional entries (`[a, ?b]`); none when undefined. */
    private readonly optionals?: readonly boolean[],
  ) {}

  eval(frame: Frame): CelResult {
    if (this.elements.length === 0) return EMPTY_LIST;
    const values: CelValue[] = [];
    for (let i = 0; i < this.elements.length; i++) {
      let value: CelResult | undefined = this.elements[i]!.eval(frame);
      if (isCelError(value)) return value;
      if (this.optionals?.[i]) {
        value = optionalEntry(value, this.id, () => 'list element');
        if (value === undefined) continue;
        if (isCelError(value)) return value;
      }
      values.push(value);
    }
    return celList(values);
  }
}

/**
 * `accu + [e, ...]`, the step by which map, filter and transformList build their result, answered as
 * CallNode and ListNode would answer it. The library concatenates by nesting one list view per step, so
 * a list built over n items is n views deep: reading it costs O(n) per element, and a few thousand items
 * overflow the stack. Here the accumulator grows one flat array in place. A node grows only a list it
 * made itself (whatever else it is given, a first step copies), and such a list reaches it again only as
 * the accumulator of its own loop, whose old value nothing else holds: a macro's accumulator name cannot
 * be written in a rule. (optMap's variable, also an accumulator, is set once, from the optional's value.)
 */
export class AppendNode implements Evaluable {
  private readonly grown = new WeakMap<CelList, CelValue[]>();

  constructor(
    readonly id: number,
    private readonly accu: Evaluable,
    private readonly elements: Evaluable[],
  ) {}

  eval(frame: Frame): CelResult {
    const accu = this.accu.eval(frame);
    if (isCelError(accu)) return accu;
    const values: CelValue[] = [];
    for (const element of this.elements) {
      const value = element.eval(frame);
      if (isCelError(value)) return value;
      values.push(value);
    }
    if (!isCelList(accu)) return celError(`found no matching overload for '_+_' applied to '(${celType(accu).name}, list)'`, this.id);
    const backing = this.grown.get(accu);
    if (backing) {
      for (const value of values) backing.push(value);
      return accu;
    }
    const array = [...accu, ...values];
    const list = celList(array);
    this.grown.set(list, array);
    return list;
  }
}

type MapKey = bigint | string | boolean | CelValue;

/** A JavaScript Map tells two uint keys apart by identity where CEL compares their values. */
function sameUintKey(entries: Map<MapKey, CelValue>, key: MapKey): MapKey {
  if (!isCelUint(key)) return key;
  for (const existing of entries.keys()) if (isCelUint(existing) && existing.value === key.value) return existing;
  return key;
}

export class MapNode implements Evaluable {
  constructor(
    readonly id: number,
    private readonly keys: Evaluable[],
    private readonly values: Evaluable[],
    /** Which entries are optional (`{?k: v}`); none when undefined. */
    private readonly optionals?: readonly boolean[],
  ) {}

  private keyOrError(key: CelResult): CelResult {
    switch (typeof key) {
      case 'boolean':
      case 'bigint':
      case 'string':
        return key;
      case 'object':
        return isCelUint(key) ? key : this.unsupportedKey();
      case 'number':
        return Number.isInteger(key) ? BigInt(key) : this.unsupportedKey();
      default:
        return this.unsupportedKey();
    }
  }

  private unsupportedKey(): CelError {
    return celError('unsupported key type', this.id);
  }

  eval(frame: Frame): CelResult {
    if (this.keys.length === 0) return EMPTY_MAP;
    const entries = new Map<MapKey, CelValue>();
    for (let i = 0; i < this.keys.length; i++) {
      const evaluated = this.keyOrError(this.keys[i]!.eval(frame));
      if (isCelError(evaluated)) return evaluated;
      const key = typeof evaluated === 'object' ? sameUintKey(entries, evaluated) : evaluated;
      let value: CelResult | undefined = this.values[i]!.eval(frame);
      if (isCelError(value)) return value;
      if (this.optionals?.[i]) {
        value = optionalEntry(value, this.id, () => `entry '${describeValue(key)}'`);
        // As cel-go does: an entry that is none takes its key out.
        if (value === undefined) {
          entries.delete(key);
          continue;
        }
        if (isCelError(value)) return value;
      }
      // A repeated key keeps its last value, as cel-go's evalMap does and kube-apiserver answers
      // (e2e vap-parity.ts); @bufbuild/cel's "map key conflict" would fail a rule Kubernetes admits.
      entries.set(key, value);
    }
    return celMap(entries as Map<bigint | string | boolean, CelValue>);
  }
}

/**
 * The slots a comprehension's variables live in. With one variable it takes a map's keys or a list's
 * elements; with two (cel-go's two-variable comprehensions) a key and its value, or an index and its element.
 */
export interface LoopSlots {
  first: number;
  second: number | undefined;
}

/** What a comprehension iterates, with the map when it iterates one; an error for anything else. */
function itemsOf(range: CelResult, id: number): { items: readonly unknown[]; map: CelMap | undefined } | CelError {
  if (isCelError(range)) return range;
  if (isCelMap(range)) return { items: Array.from(range.keys()), map: range };
  if (isCelList(range)) return { items: elementsOf(range) ?? Array.from(range), map: undefined };
  return celError(`type mismatch: iterable vs ${String(celType(range))}`, id);
}

/** Binds item `i` to the loop's variables; an item that is an error is returned instead. */
function bindItem(slots: CelResult[], loop: LoopSlots, items: readonly unknown[], i: number, map: CelMap | undefined): CelError | undefined {
  const item = items[i];
  if (isCelError(item)) return item;
  if (loop.second === undefined) {
    slots[loop.first] = item as CelValue;
  } else if (map) {
    slots[loop.first] = item as CelValue;
    slots[loop.second] = map.get(item as Parameters<CelMap['get']>[0]) as CelValue;
  } else {
    slots[loop.first] = BigInt(i);
    slots[loop.second] = item as CelValue;
  }
  return undefined;
}

export class FoldNode implements Evaluable {
  constructor(
    readonly id: number,
    private readonly accuSlot: number,
    private readonly loop: LoopSlots,
    private readonly iterRange: Evaluable,
    private readonly accuInit: Evaluable,
    private readonly condition: Evaluable,
    private readonly step: Evaluable,
    private readonly result: Evaluable,
  ) {}

  eval(frame: Frame): CelResult {
    const accuInit = this.accuInit.eval(frame);
    if (isCelError(accuInit)) return accuInit;
    const slots = frame.slots;
    slots[this.accuSlot] = accuInit;
    const iteration = itemsOf(this.iterRange.eval(frame), this.id);
    if (isCelError(iteration)) return iteration;
    const { items, map } = iteration;
    for (let i = 0; i < items.length; i++) {
      const failed = bindItem(slots, this.loop, items, i, map);
      if (failed) return failed;
      const condition = this.condition.eval(frame);
      if (isCelError(condition)) return condition;
      if (condition !== true) break;
      slots[this.accuSlot] = this.step.eval(frame);
    }
    return this.result.eval(frame);
  }
}

/**
 * `all(x, p)` and `exists(x, p)` as the parser expands them (accumulator true or false, loop condition
 * `@not_strictly_false(accu)` or `@not_strictly_false(!accu)` under the loop tick, step `accu && p` or
 * `accu || p`, result `accu`), evaluated without the nodes of the expansion: the same order, the same
 * step charged per item and the same errors as FoldNode running them, for the shapes that take most of
 * a rule's time. `absorbing` is the value that ends the loop: false for all, true for exists.
 */
export class QuantifierNode implements Evaluable {
  constructor(
    readonly id: number,
    private readonly absorbing: boolean,
    private readonly accuSlot: number,
    private readonly loop: LoopSlots,
    private readonly iterRange: Evaluable,
    private readonly predicate: Evaluable,
    /** The expression ids the loop tick's and the step's errors carry. */
    private readonly tickId: number,
    private readonly stepId: number,
  ) {}

  eval(frame: Frame): CelResult {
    const slots = frame.slots;
    const absorbing = this.absorbing;
    let accu: CelResult = !absorbing;
    slots[this.accuSlot] = accu;
    const iteration = itemsOf(this.iterRange.eval(frame), this.id);
    if (isCelError(iteration)) return iteration;
    const { items, map } = iteration;
    for (let i = 0; i < items.length; i++) {
      const failed = bindItem(slots, this.loop, items, i, map);
      if (failed) return failed;
      // The loop condition: the tick charges one step; the loop goes on until accu is the absorbing
      // value (an error in accu goes on, as @not_strictly_false makes it).
      try {
        charge(1);
      } catch (error) {
        return celError(error, this.tickId);
      }
      if (accu === absorbing) break;
      // The step, `accu && p` or `accu || p`, as LogicNode evaluates it: accu is not the absorbing
      // value here, so p is always evaluated; p absorbing wins, otherwise the errors merge (one too).
      const value = this.predicate.eval(frame);
      if (value === absorbing) {
        accu = absorbing;
      } else {
        let errors: CelError[] | undefined;
        if (isCelError(accu)) errors = [accu];
        if (value !== !absorbing) (errors ??= []).push(isCelError(value) ? value : this.mismatch(value));
        accu = errors ? mergeErrors(errors) : !absorbing;
      }
      slots[this.accuSlot] = accu;
    }
    return accu;
  }

  /** What `&&` and `||` make of a non-boolean operand; it carries the step's id, as LogicNode's does. */
  private mismatch(value: CelValue): CelError {
    return celError(`type mismatch: expected bool, got ${String(celType(value))}`, this.stepId);
  }
}

/**
 * `&&` and `||`, as the library evaluates them: every argument is tried, the absorbing value (false
 * for `&&`, true for `||`) wins over errors, and otherwise the errors merge into one.
 */
class LogicNode implements Evaluable {
  constructor(
    readonly id: number,
    private readonly args: Evaluable[],
    private readonly absorbing: boolean,
  ) {}

  eval(frame: Frame): CelResult {
    let errors: CelError[] | undefined;
    for (const arg of this.args) {
      const value = arg.eval(frame);
      if (typeof value === 'boolean') {
        if (value === this.absorbing) return value;
        continue;
      }
      (errors ??= []).push(isCelError(value) ? value : celError(`type mismatch: expected bool, got ${String(celType(value))}`, this.id));
    }
    return errors ? mergeErrors(errors) : !this.absorbing;
  }
}

export class AndNode extends LogicNode {
  constructor(id: number, args: Evaluable[]) {
    super(id, args, false);
  }
}

export class OrNode extends LogicNode {
  constructor(id: number, args: Evaluable[]) {
    super(id, args, true);
  }
}

export class NotStrictlyFalseNode implements Evaluable {
  constructor(
    readonly id: number,
    private readonly arg: Evaluable,
  ) {}

  eval(frame: Frame): CelResult {
    return this.arg.eval(frame) !== false;
  }
}
