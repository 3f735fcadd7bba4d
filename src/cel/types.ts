/**
 * CEL types as cel-go's checker sees them, for refusing at load what Kubernetes refuses when a policy is
 * created. At creation Kubernetes declares `object`, `oldObject` and `params` as dyn, so every type here
 * comes from literals, operators, the library's declared results, `request` and `namespaceObject`; a
 * type ztgate cannot tell is dyn, which matches anything, so that nothing Kubernetes accepts is refused.
 */
export type Primitive = 'bool' | 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'null' | 'duration' | 'timestamp';

export type Type =
  | { readonly kind: 'dyn' }
  | { readonly kind: 'primitive'; readonly name: Primitive }
  | { readonly kind: 'list'; readonly element: Type }
  | { readonly kind: 'map'; readonly key: Type; readonly value: Type }
  /** A type value (`int`, `type(x)`); cel-go compares type values without their parameter. */
  | { readonly kind: 'type'; readonly of: Type }
  /** One of Kubernetes' declared objects (`request`, `namespaceObject`), fields by name. */
  | { readonly kind: 'object'; readonly name: string; readonly fields: ReadonlyMap<string, Type> }
  /** cel-go's optional_type(T): `x.?f`, `m[?k]`, `optional.of(v)`. */
  | { readonly kind: 'optional'; readonly of: Type }
  /** The element type of an empty literal, fixed by the first type it meets (cel-go's type parameters). */
  | TypeVariable;

export interface TypeVariable {
  readonly kind: 'variable';
  bound?: Type;
}

export const DYN: Type = { kind: 'dyn' };
const MAX_CHAIN = 10_000;
const primitives = new Map<Primitive, Type>();
export function primitive(name: Primitive): Type {
  let type = primitives.get(name);
  if (!type) primitives.set(name, (type = { kind: 'primitive', name }));
  return type;
}
export const BOOL = primitive('bool');
export const INT = primitive('int');
export const STRING = primitive('string');
export const listOf = (element: Type): Type => ({ kind: 'list', element });
export const mapOf = (key: Type, value: Type): Type => ({ kind: 'map', key, value });
export const typeOf = (of: Type): Type => ({ kind: 'type', of });
export const optionalOf = (of: Type): Type => ({ kind: 'optional', of });
export const freshVariable = (): TypeVariable => ({ kind: 'variable' });

/** The type a variable stands for now: itself while unbound. */
export function resolve(type: Type): Type {
  let current = type;
  // bind() never makes a cycle; the bound on the walk is there so that a mistake there could not hang a load.
  for (let steps = 0; current.kind === 'variable' && current.bound; steps++) {
    if (steps > MAX_CHAIN) return DYN;
    current = current.bound;
  }
  return current;
}

/** dyn, or an unbound variable: anything may stand here. */
function isOpen(type: Type): boolean {
  const resolved = resolve(type);
  return resolved.kind === 'dyn' || resolved.kind === 'variable';
}

/** The name cel-go's messages give a type: `list(int)`, `map(string, dyn)`, `type(int)`; an unbound parameter is dyn. */
export function formatType(type: Type): string {
  const resolved = resolve(type);
  switch (resolved.kind) {
    case 'dyn':
    case 'variable':
      return 'dyn';
    case 'primitive':
      return resolved.name;
    case 'list':
      return `list(${formatType(resolved.element)})`;
    case 'map':
      return `map(${formatType(resolved.key)}, ${formatType(resolved.value)})`;
    case 'type':
      return `type(${formatType(resolved.of)})`;
    case 'object':
      return resolved.name;
    case 'optional':
      return `optional_type(${formatType(resolved.of)})`;
  }
}

/** The parameterless name (`list`, `google.protobuf.Duration`) that compile.ts's expected results speak. */
export function kindName(type: Type): string {
  const resolved = resolve(type);
  switch (resolved.kind) {
    case 'primitive':
      return resolved.name === 'null' ? 'null_type' : resolved.name === 'duration' ? 'google.protobuf.Duration' : resolved.name === 'timestamp' ? 'google.protobuf.Timestamp' : resolved.name;
    case 'variable':
      return 'dyn';
    case 'object':
      return 'map';
    default:
      return resolved.kind;
  }
}

/**
 * The type with its variables replaced by what they are bound to, and the unbound ones by dyn, as cel-go
 * declares a variable's type: one expression's use of `variables.empty` must not fix it for the next.
 */
export function settle(type: Type): Type {
  const resolved = resolve(type);
  switch (resolved.kind) {
    case 'variable':
      return DYN;
    case 'list':
      return listOf(settle(resolved.element));
    case 'map':
      return mapOf(settle(resolved.key), settle(resolved.value));
    case 'type':
      return typeOf(settle(resolved.of));
    case 'optional':
      return optionalOf(settle(resolved.of));
    default:
      return resolved;
  }
}

/**
 * A variable's type as Kubernetes declares it for later expressions (convertCelTypeToDeclType): the
 * settled type, with lists and maps kept and every other kind but the primitives made dyn.
 */
export function variableType(type: Type): Type {
  const settled = settle(type);
  switch (settled.kind) {
    case 'list':
      return listOf(variableType(settled.element));
    case 'map':
      return mapOf(variableType(settled.key), variableType(settled.value));
    case 'primitive':
    case 'dyn':
      return settled;
    default:
      return DYN;
  }
}

function occursIn(variable: TypeVariable, type: Type): boolean {
  const resolved = resolve(type);
  if (resolved === variable) return true;
  switch (resolved.kind) {
    case 'list':
      return occursIn(variable, resolved.element);
    case 'map':
      return occursIn(variable, resolved.key) || occursIn(variable, resolved.value);
    case 'optional':
      return occursIn(variable, resolved.of);
    default:
      return false;
  }
}

/** cel-go lets null stand where a message may: objects, optionals, durations and timestamps (its isLegacyNullable). */
function isNullable(type: Type, other: Type): boolean {
  if (other.kind !== 'primitive' || other.name !== 'null') return false;
  return type.kind === 'object' || type.kind === 'optional' || (type.kind === 'primitive' && (type.name === 'null' || type.name === 'duration' || type.name === 'timestamp'));
}

/** The last variable of a chain of bound variables, or undefined when the type is not a variable. */
function lastVariable(type: Type): TypeVariable | undefined {
  let current = type;
  for (let steps = 0; current.kind === 'variable' && current.bound?.kind === 'variable'; steps++) {
    if (steps > MAX_CHAIN) return undefined;
    current = current.bound;
  }
  return current.kind === 'variable' ? current : undefined;
}

/** cel-go's isEqualOrLessSpecific: dyn and unbound variables are the least specific. */
function isLessSpecific(a: Type, b: Type): boolean {
  const [x, y] = [resolve(a), resolve(b)];
  if (x.kind === 'dyn' || x.kind === 'variable') return true;
  if (y.kind === 'dyn' || y.kind === 'variable') return false;
  if (x.kind === 'list' && y.kind === 'list') return isLessSpecific(x.element, y.element);
  if (x.kind === 'map' && y.kind === 'map') return isLessSpecific(x.key, y.key) && isLessSpecific(x.value, y.value);
  if (x.kind === 'optional' && y.kind === 'optional') return isLessSpecific(x.of, y.of);
  return sameType(x, y);
}

/**
 * Binds a variable to a type, or, when it is bound already and the two agree, to the more general of
 * them (cel-go's isValidTypeSubstitution): `true ? 1 : object.x` is dyn, not int.
 */
function bind(variable: TypeVariable, type: Type, assignable: (bound: Type) => boolean): boolean {
  if (!variable.bound) {
    const settled = resolve(type);
    if (settled === variable) return true;
    if (occursIn(variable, settled)) return false;
    variable.bound = settled;
    return true;
  }
  const bound = variable.bound;
  if (!assignable(bound)) return false;
  // Resolved, so that no chain of variables can come back round to this one.
  const general = resolve(isLessSpecific(type, bound) ? type : bound);
  if (general !== variable && !occursIn(variable, general)) variable.bound = general;
  return true;
}

/**
 * Whether a value of `source` may stand where `target` is expected, binding variables on the way as
 * cel-go's checker does (so `[].map(...)`'s accumulator becomes `list(int)` once an int is added).
 */
export function isAssignable(target: Type, source: Type): boolean {
  if (target === source) return true;
  // Variables first, as cel-go substitutes type parameters before it treats dyn as a wildcard.
  const sourceVariable = lastVariable(source);
  if (sourceVariable) return bind(sourceVariable, target, (bound) => isAssignable(target, bound));
  const targetVariable = lastVariable(target);
  if (targetVariable) return bind(targetVariable, source, (bound) => isAssignable(bound, source));
  const [to, from] = [resolve(target), resolve(source)];
  if (to === from || to.kind === 'dyn' || from.kind === 'dyn') return true;
  return assignableKinds(to, from, isAssignable);
}

/** Assignability kind by kind, the parameters of lists, maps and optionals compared by `inner`. */
function assignableKinds(to: Type, from: Type, inner: (target: Type, source: Type) => boolean): boolean {
  if (isNullable(to, from) || isNullable(from, to)) return true;
  switch (to.kind) {
    case 'primitive':
      return from.kind === 'primitive' && to.name === from.name;
    case 'list':
      return from.kind === 'list' && inner(to.element, from.element);
    case 'map':
      return from.kind === 'map' && inner(to.key, from.key) && inner(to.value, from.value);
    case 'type':
      return from.kind === 'type';
    case 'object':
      return from.kind === 'object' && from.name === to.name;
    case 'optional':
      return from.kind === 'optional' && inner(to.of, from.of);
    default:
      return false;
  }
}

/** The same type, if every dyn (which cel-go may know better) and unbound variable were the type across from it. */
export function maySameType(a: Type, b: Type): boolean {
  const [x, y] = [resolve(a), resolve(b)];
  if (x === y || isOpen(x) || isOpen(y)) return true;
  if (x.kind === 'list' && y.kind === 'list') return maySameType(x.element, y.element);
  if (x.kind === 'map' && y.kind === 'map') return maySameType(x.key, y.key) && maySameType(x.value, y.value);
  if (x.kind === 'optional' && y.kind === 'optional') return maySameType(x.of, y.of);
  return sameType(x, y);
}

/** Like isAssignable, but binds nothing: for trying overloads whose failure must leave no trace. */
export function couldAssign(target: Type, source: Type): boolean {
  const [to, from] = [resolve(target), resolve(source)];
  if (to === from || isOpen(to) || isOpen(from)) return true;
  return assignableKinds(to, from, couldAssign);
}

/** The same type, structurally (variables by what they are bound to). */
function sameType(a: Type, b: Type): boolean {
  const [x, y] = [resolve(a), resolve(b)];
  if (x === y) return true;
  if (x.kind !== y.kind) return false;
  switch (x.kind) {
    case 'primitive':
      return x.name === (y as typeof x).name;
    case 'list':
      return sameType(x.element, (y as typeof x).element);
    case 'map':
      return sameType(x.key, (y as typeof x).key) && sameType(x.value, (y as typeof x).value);
    case 'type':
      return true;
    case 'object':
      return x.name === (y as typeof x).name;
    case 'optional':
      return sameType(x.of, (y as typeof x).of);
    default:
      return true;
  }
}

const DECLARED_NAMES: Readonly<Record<string, Type>> = {
  'google.protobuf.Duration': primitive('duration'),
  'google.protobuf.Timestamp': primitive('timestamp'),
  null_type: primitive('null'),
  type: typeOf(DYN),
  dyn: DYN,
};

/** A type as the library prints its declarations (`list(dyn)`, `map(string, dyn)`, `google.protobuf.Duration`). */
export function parseDeclared(text: string): Type {
  const name = text.trim();
  const named = DECLARED_NAMES[name];
  if (named) return named;
  const open = name.indexOf('(');
  if (open < 0) return ['bool', 'int', 'uint', 'double', 'string', 'bytes'].includes(name) ? primitive(name as Primitive) : DYN;
  const inner = name.slice(open + 1, -1);
  if (name.startsWith('list(')) return listOf(parseDeclared(inner));
  if (name.startsWith('map(')) {
    const comma = topLevelComma(inner);
    return mapOf(parseDeclared(inner.slice(0, comma)), parseDeclared(inner.slice(comma + 1)));
  }
  return DYN;
}

function topLevelComma(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) return i;
  }
  return text.length;
}
