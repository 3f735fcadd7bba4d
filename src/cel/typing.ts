import type { CelFunc } from '@bufbuild/cel';
import { RULE_ENV } from './env.js';
import { OPT_INDEX } from './optional-syntax.js';
import {
  BOOL,
  DYN,
  INT,
  STRING,
  couldAssign,
  formatType,
  freshVariable,
  isAssignable,
  listOf,
  mapOf,
  maySameType,
  optionalOf,
  parseDeclared,
  primitive,
  resolve,
  typeOf,
  type Type,
} from './types.js';

/**
 * The type rules of cel-go's checker that Kubernetes applies when a policy is created, over ztgate's
 * environment: what each call, field selection and comprehension yields, or why it cannot type.
 * Operators cel-go declares with type parameters (`_==_`, `_?_:_`, `_[_]`, `@in`, list `_+_`) follow
 * cel-go's signatures; every other function follows the overloads the library declares, so a call
 * refused here is one that could only fail when evaluated.
 */

/** Why an expression cannot type; `operand` when cel-go places it on an operand rather than on the call. */
export interface Refusal {
  refusal: string;
  operand?: number;
}

export type Typed = Type | Refusal;

export const isRefusal = (value: Typed): value is Refusal => 'refusal' in value;

interface Overload {
  receiver: boolean;
  parameters: Type[];
  result: Type;
}

const OVERLOADS = new Map<string, Overload[]>();
for (const func of RULE_ENV.funcs as Iterable<CelFunc>) {
  const list = OVERLOADS.get(func.name) ?? [];
  const parameters = [...(func.target ? [parseDeclared(String(func.target))] : []), ...func.arguments.map((argument) => parseDeclared(String(argument)))];
  list.push({ receiver: func.target !== undefined, parameters, result: parseDeclared(String(func.result)) });
  OVERLOADS.set(func.name, list);
}

/** cel-go's wording: `'(string, int)'`, or `'string.(int)'` for a method. */
function noOverload(name: string, receiver: boolean, operands: readonly Type[]): Refusal {
  const args = `(${(receiver ? operands.slice(1) : operands).map(formatType).join(', ')})`;
  const applied = receiver ? `${formatType(operands[0]!)}.${args}` : args;
  return { refusal: `found no matching overload for '${name}' applied to '${applied}'` };
}

function declaredCall(name: string, receiver: boolean, operands: readonly Type[]): Typed {
  const candidates = (OVERLOADS.get(name) ?? []).filter(
    (overload) =>
      overload.receiver === receiver &&
      overload.parameters.length === operands.length &&
      overload.parameters.every((parameter, i) => couldAssign(parameter, operands[i]!)),
  );
  if (candidates.length === 0) return noOverload(name, receiver, operands);
  const [first, ...others] = candidates.map((overload) => overload.result);
  return others.every((result) => formatType(result) === formatType(first!)) ? first! : DYN;
}

/** `(A, A)`: both sides one type, as cel-go declares equality. */
function sameSides(name: string, operands: readonly Type[]): Typed {
  return isAssignable(operands[0]!, operands[1]!) ? BOOL : noOverload(name, false, operands);
}

function conditional(operands: readonly Type[]): Typed {
  const result = freshVariable();
  const typed = isAssignable(BOOL, operands[0]!) && isAssignable(result, operands[1]!) && isAssignable(result, operands[2]!);
  return typed ? result : noOverload('_?_:_', false, operands);
}

function index(operands: readonly Type[]): Typed {
  const [container, key] = [resolve(operands[0]!), operands[1]!];
  switch (container.kind) {
    case 'dyn':
    case 'variable':
    case 'type':
      return DYN;
    case 'list':
      return isAssignable(INT, key) ? container.element : noOverload('_[_]', false, operands);
    case 'map':
      return isAssignable(container.key, key) ? container.value : noOverload('_[_]', false, operands);
    default:
      return noOverload('_[_]', false, operands);
  }
}

function membership(operands: readonly Type[]): Typed {
  const [element, container] = [operands[0]!, resolve(operands[1]!)];
  switch (container.kind) {
    case 'dyn':
    case 'variable':
      return BOOL;
    case 'list':
      return isAssignable(element, container.element) ? BOOL : noOverload('@in', false, operands);
    case 'map':
      return isAssignable(element, container.key) ? BOOL : noOverload('@in', false, operands);
    default:
      return noOverload('@in', false, operands);
  }
}

/**
 * `m[?k]`: an optional of what `m[k]` would be, cel-go's `_[?_]`; on an optional, the index of what it
 * holds (ztgate's rewrite makes `a[?k][j]` an optional index too).
 */
function optionalIndex(operands: readonly Type[]): Typed {
  const container = resolve(operands[0]!);
  if (container.kind === 'optional') {
    const inner = index([container.of, operands[1]!]);
    return optionalOf(isRefusal(inner) ? DYN : inner);
  }
  const inner = index(operands);
  return isRefusal(inner) ? noOverload('_[?_]', false, operands) : optionalOf(inner);
}

/** The optional library's methods on an optional_type(T), as cel-go declares them; undefined when the receiver is not known to be one. */
function optionalMethod(name: string, operands: readonly Type[]): Typed | undefined {
  const receiver = resolve(operands[0]!);
  if (receiver.kind !== 'optional') return undefined;
  switch (name) {
    case 'value':
      return operands.length === 1 ? receiver.of : undefined;
    case 'hasValue':
      return operands.length === 1 ? BOOL : undefined;
    case 'orValue': {
      if (operands.length !== 2) return undefined;
      const result = freshVariable();
      return isAssignable(result, receiver.of) && isAssignable(result, operands[1]!) ? result : noOverload(name, true, operands);
    }
    case 'or': {
      if (operands.length !== 2) return undefined;
      const result = freshVariable();
      return isAssignable(optionalOf(result), receiver) && isAssignable(optionalOf(result), operands[1]!) ? optionalOf(result) : noOverload(name, true, operands);
    }
    default:
      return undefined;
  }
}

/** `optional.unwrap(l)` and `l.unwrapOpt()`: the values of a list of optionals. */
function unwrapped(list: Type): Type | undefined {
  const resolved = resolve(list);
  if (resolved.kind !== 'list') return undefined;
  const element = resolve(resolved.element);
  return element.kind === 'optional' ? listOf(element.of) : undefined;
}

/** `_+_` of two lists is cel-go's `(list(A), list(A)) -> list(A)`; the rest as declared. */
function addition(operands: readonly Type[]): Typed {
  const [left, right] = operands.map(resolve) as [Type, Type];
  if (left.kind === 'list' && right.kind === 'list') {
    const element = freshVariable();
    return isAssignable(listOf(element), left) && isAssignable(listOf(element), right) ? listOf(element) : noOverload('_+_', false, operands);
  }
  return declaredCall('_+_', false, operands);
}

/** `_&&_` and `_||_` take bools; cel-go names the operand that is not one. */
function logical(operands: readonly Type[]): Typed {
  const wrong = operands.findIndex((operand) => !isAssignable(BOOL, operand));
  return wrong < 0 ? BOOL : { refusal: `expected type 'bool' but found '${formatType(operands[wrong]!)}'`, operand: wrong };
}

/** The type of a call whose operands (the receiver first) have these types. */
export function callType(name: string, receiver: boolean, operands: readonly Type[]): Typed {
  switch (name) {
    case '_==_':
    case '_!=_':
      return sameSides(name, operands);
    case '_?_:_':
      return conditional(operands);
    case '_[_]':
      return index(operands);
    case '@in':
      return membership(operands);
    case '_+_':
      return addition(operands);
    case '_&&_':
    case '_||_':
      return logical(operands);
    case '@not_strictly_false':
    case '__not_strictly_false__':
      return BOOL;
    case 'dyn':
      return DYN;
    case OPT_INDEX:
      return operands.length === 2 ? optionalIndex(operands) : DYN;
    case 'optional.of':
    case 'optional.ofNonZeroValue':
      return operands.length === 1 && !receiver ? optionalOf(operands[0]!) : declaredCall(name, receiver, operands);
    case 'optional.none':
      return operands.length === 0 ? optionalOf(freshVariable()) : declaredCall(name, receiver, operands);
    case 'value':
    case 'hasValue':
    case 'orValue':
    case 'or':
      return (receiver && optionalMethod(name, operands)) || declaredCall(name, receiver, operands);
    case 'optional.unwrap':
      return (operands.length === 1 && !receiver && unwrapped(operands[0]!)) || declaredCall(name, receiver, operands);
    case 'unwrapOpt':
      return (operands.length === 1 && receiver && unwrapped(operands[0]!)) || declaredCall(name, receiver, operands);
    case 'type':
      return operands.length === 1 && !receiver ? typeOf(operands[0]!) : declaredCall(name, receiver, operands);
    default:
      return OVERLOADS.has(name) ? declaredCall(name, receiver, operands) : DYN;
  }
}

/** A field of a value of this type: `has(x.f)` and `x.f` alike. */
export function selectType(operand: Type, field: string): Typed {
  const resolved = resolve(operand);
  switch (resolved.kind) {
    case 'dyn':
    case 'variable':
    case 'type':
      return DYN;
    case 'map':
      return resolved.value;
    case 'object':
      return resolved.fields.get(field) ?? { refusal: `undefined field '${field}'` };
    default:
      return { refusal: `type '${formatType(resolved)}' does not support field selection` };
  }
}

/** The iteration variables' types over a range of this type: `[first, second]`, the second for two-variable loops. */
export function rangeTypes(range: Type, twoVariables: boolean): [Type, Type] | Refusal {
  const resolved = resolve(range);
  switch (resolved.kind) {
    case 'dyn':
    case 'variable':
      return [DYN, DYN];
    case 'list':
      return twoVariables ? [INT, resolved.element] : [resolved.element, DYN];
    case 'map':
      return [resolved.key, resolved.value];
    default:
      return { refusal: `expression of type '${formatType(resolved)}' cannot be range of a comprehension (must be list, map, or dynamic)` };
  }
}

/**
 * A literal's element (or key, or value) type, cel-go's join of them. Each must then be exactly the first
 * one's type, as Kubernetes' ValidateHomogeneousAggregateLiterals has it (`[duration('1s'), null]` is
 * refused, though null may stand for a duration); where ztgate has dyn, cel-go may know a type, so dyn
 * stands beside anything here (`[1, object.x]`, which Kubernetes refuses, loads).
 */
export function elementType(types: readonly Type[]): { type: Type } | { refusal: string; index: number } {
  const element = freshVariable();
  for (const type of types) isAssignable(element, type);
  const index = types.findIndex((type) => !maySameType(types[0]!, type));
  if (index >= 0) return { refusal: `expected type '${formatType(types[0]!)}' but found '${formatType(types[index]!)}'`, index };
  return { type: element };
}

/** Type names usable as values (`type(x) == string`). */
export const TYPE_VALUES: ReadonlyMap<string, Type> = new Map([
  ['int', typeOf(INT)],
  ['uint', typeOf(primitive('uint'))],
  ['double', typeOf(primitive('double'))],
  ['bool', typeOf(BOOL)],
  ['string', typeOf(STRING)],
  ['bytes', typeOf(primitive('bytes'))],
  ['list', typeOf(listOf(DYN))],
  ['map', typeOf(mapOf(DYN, DYN))],
  ['null_type', typeOf(primitive('null'))],
  ['type', typeOf(typeOf(DYN))],
  ['dyn', typeOf(DYN)],
]);
