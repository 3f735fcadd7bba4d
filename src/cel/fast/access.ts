import { celError, celType, isCelError, isCelList, isCelMap, isCelType, isCelUint, type CelResult, type CelValue } from '@bufbuild/cel';
import type { Bindings } from '../compile.js';
import { delegatedHas, delegatedSelect } from './delegate.js';
import { NOT_OURS, ownField } from '../values.js';

/**
 * Attribute resolution, as @bufbuild/cel 0.6 does it (its access.js), with names resolved when the
 * expression is compiled instead of on every evaluation: a comprehension variable is a slot in the
 * frame, a root variable one property read, and the library's qualified-name candidates that can never
 * match (`object.spec` as a variable name) are dropped up front. Results, errors and their expression
 * ids are the library's; the differential tests in test/cel/fast.test.ts hold the two side by side.
 */

/** One evaluation: the rule's bindings and the comprehension variables in scope. */
export interface Frame {
  readonly bindings: Bindings;
  readonly slots: CelResult[];
}

export interface Evaluable {
  readonly id: number;
  eval(frame: Frame): CelResult;
}

/** A step along an attribute path; undefined means "unresolved", as in the library. */
export interface Access {
  access(frame: Frame, obj: CelValue): CelResult | undefined;
}

export interface Attribute {
  readonly id: number;
  addAccess(access: Access): void;
  resolve(frame: Frame): CelResult | undefined;
}

/** Thrown while compiling: the expression uses something this compiler leaves to the library. */
export class Unsupported extends Error {}

function fieldNotFound(id: number, name: unknown): CelResult {
  return celError(`field not found: ${String(name)}`, id);
}

function indexOutOfBounds(id: number, index: number): CelResult {
  return celError(`index ${index} out of bounds [0, -1)`, id);
}

/** Lists, uints, types and bytes have no fields; anything else non-map is a protobuf message. */
function isPlainCelObject(obj: object): boolean {
  return isCelList(obj) || isCelUint(obj) || isCelType(obj) || obj instanceof Uint8Array || isCelError(obj);
}

function byName(obj: CelValue, name: string): CelValue | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const own = ownField(obj, name);
  if (own !== NOT_OURS) return own as CelValue | undefined;
  if (isCelMap(obj)) return obj.get(name);
  if (isPlainCelObject(obj)) return undefined;
  return delegatedSelect(obj, name);
}

function byIndex(obj: CelValue, index: bigint | number | boolean): CelValue | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  if (isCelMap(obj)) return obj.get(index);
  if (isCelList(obj)) return obj.get(Number(index));
  return undefined;
}

function isSet(obj: CelValue, name: string): boolean | undefined {
  if (typeof obj !== 'object' || obj === null) return false;
  // The library's has() is get() != undefined: a field holding null is not set.
  const own = ownField(obj, name);
  if (own !== NOT_OURS) return own != undefined;
  if (isCelMap(obj)) return obj.has(name);
  if (isPlainCelObject(obj)) return false;
  return delegatedHas(obj, name);
}

export class StringAccess implements Access {
  constructor(
    readonly id: number,
    readonly name: string,
  ) {}

  access(_frame: Frame, obj: CelValue): CelResult {
    const value = byName(obj, this.name);
    return value === undefined ? fieldNotFound(this.id, this.name) : value;
  }

  isPresent(obj: CelValue): CelResult {
    const set = isSet(obj, this.name);
    return set === undefined ? fieldNotFound(this.id, this.name) : set;
  }
}

/** Index by a constant or computed key: the library's Bool/Num/Int accesses. */
class IndexAccess implements Access {
  constructor(
    private readonly id: number,
    private readonly index: bigint | number | boolean,
  ) {}

  access(_frame: Frame, obj: CelValue): CelResult | undefined {
    return accessByKey(this.id, this.index, obj);
  }
}

class ErrorAccess implements Access {
  constructor(private readonly error: CelResult) {}

  access(): CelResult {
    return this.error;
  }
}

/** The library's newAccess followed by access(), for a key known only when evaluating. */
function accessByKey(id: number, key: unknown, obj: CelValue | undefined): CelResult | undefined {
  switch (typeof key) {
    case 'string': {
      const value = byName(obj as CelValue, key);
      return value === undefined ? fieldNotFound(id, key) : value;
    }
    case 'boolean': {
      if (obj === undefined) return undefined;
      const raw = byIndex(obj, key);
      return raw === undefined ? fieldNotFound(id, key) : raw;
    }
    case 'number': {
      if (obj === undefined) return undefined;
      const raw = byIndex(obj, key);
      return raw === undefined ? indexOutOfBounds(id, key) : raw;
    }
    case 'bigint': {
      if (obj === undefined) return undefined;
      const raw = byIndex(obj, key);
      return raw === undefined ? indexOutOfBounds(id, Number(key)) : raw;
    }
    case 'object':
      if (isCelUint(key)) return accessByKey(id, key.value, obj);
      return celError('unsupported key type', id);
    default:
      return celError('unsupported key type', id);
  }
}

/** The access for a constant index (`m['a']`, `l[0]`), chosen when compiling as the library does. */
export function constantAccess(id: number, key: CelValue): Access {
  switch (typeof key) {
    case 'string':
      return new StringAccess(id, key);
    case 'boolean':
    case 'number':
    case 'bigint':
      return new IndexAccess(id, key);
    case 'object':
      if (isCelUint(key)) return new IndexAccess(id, key.value);
      return new ErrorAccess(celError('unsupported key type', id));
    default:
      return new ErrorAccess(celError('unsupported key type', id));
  }
}

/** `m[k]` where `k` is itself an attribute: an unresolvable key is an error, not "unresolved". */
export class KeyAttributeAccess implements Access {
  constructor(
    private readonly id: number,
    private readonly key: Evaluable,
  ) {}

  access(frame: Frame, obj: CelValue): CelResult | undefined {
    if (obj === undefined) return undefined;
    const key = this.key.eval(frame);
    if (isCelError(key)) return key;
    return accessByKey(this.id, key, obj);
  }
}

/** `m[f(x)]`: any other computed key. */
export class ComputedAccess implements Access {
  constructor(
    private readonly id: number,
    private readonly key: Evaluable,
  ) {}

  access(frame: Frame, obj: CelValue): CelResult | undefined {
    const key = this.key.eval(frame);
    if (isCelError(key)) return key;
    return accessByKey(this.id, key, obj);
  }
}

function applyAccesses(frame: Frame, obj: CelValue, accesses: readonly Access[]): CelResult | undefined {
  let current: CelValue = obj;
  for (const access of accesses) {
    const result = access.access(frame, current);
    if (result === undefined || isCelError(result)) return result;
    current = result;
  }
  return current;
}

/** Where one candidate name of an identifier is found, decided when compiling. */
export type NameSource =
  | { kind: 'slot'; slot: number }
  | { kind: 'binding'; key: string; type?: CelValue }
  /** Can never resolve: a dotted name other than `variables.<name>`. */
  | { kind: 'none' };

export type NameResolver = (name: string) => NameSource;

class Candidate {
  constructor(
    readonly name: string,
    readonly accesses: Access[],
  ) {}
}

interface ResolvedCandidate {
  source: Exclude<NameSource, { kind: 'none' }>;
  accesses: readonly Access[];
}

/**
 * An identifier with the accesses selected from it: the library's MaybeAttr. Each field selected
 * adds a longer qualified name tried first (`a.b.c`, then `a.b` + `.c`, then `a` + `.b.c`).
 */
export class NameAttribute implements Attribute {
  private readonly candidates: Candidate[];
  private resolved: ResolvedCandidate[] | undefined;
  /** Set when the path can be shared by every rule of a review (sharedPathOf); null when it cannot. */
  private sharedPath: string | null | undefined;

  constructor(
    readonly id: number,
    name: string,
    private readonly sourceOf: NameResolver,
  ) {
    this.candidates = [new Candidate(name, [])];
  }

  addAccess(access: Access): void {
    const field = access instanceof StringAccess ? access.name : undefined;
    const augmented: string[] = [];
    for (const candidate of this.candidates) {
      if (field !== undefined && candidate.accesses.length === 0) augmented.push(`${candidate.name}.${field}`);
      candidate.accesses.push(access);
    }
    for (const name of augmented) this.candidates.unshift(new Candidate(name, []));
  }

  /** After compiling, every access is known: keep only the candidates that can ever resolve. */
  private plan(): ResolvedCandidate[] {
    const resolved: ResolvedCandidate[] = [];
    for (const { name, accesses } of this.candidates) {
      const source = this.sourceOf(name);
      if (source.kind !== 'none') resolved.push({ source, accesses });
    }
    this.sharedPath = sharedPathOf(resolved);
    return resolved;
  }

  resolve(frame: Frame): CelResult | undefined {
    const resolved = (this.resolved ??= this.plan());
    if (this.sharedPath === null) return resolveCandidates(frame, resolved);
    const paths = frame.bindings[SHARED_PATHS] as Map<string, CelResult> | undefined;
    if (paths === undefined) return resolveCandidates(frame, resolved);
    const known = paths.get(this.sharedPath!);
    if (known !== undefined) return known;
    const value = resolveCandidates(frame, resolved);
    // Errors carry this expression's id, so only values are shared.
    if (value !== undefined && !isCelError(value)) paths.set(this.sharedPath!, value);
    return value;
  }
}

function resolveCandidates(frame: Frame, resolved: readonly ResolvedCandidate[]): CelResult | undefined {
  for (const { source, accesses } of resolved) {
    if (source.kind === 'slot') {
      const raw = frame.slots[source.slot]!;
      return isCelError(raw) ? raw : applyAccesses(frame, raw, accesses);
    }
    const raw = frame.bindings[source.key] as CelResult | undefined;
    if (raw !== undefined) return isCelError(raw) ? raw : applyAccesses(frame, raw, accesses);
    if (source.type !== undefined && accesses.length === 0) return source.type;
  }
  return undefined;
}

/**
 * The bindings key of the review's path cache (activation.ts): not a CEL identifier, so no expression
 * can name it. Most rules read the same few paths (`object.spec.containers`, `object.metadata.labels`);
 * a path of constant field names from one of the review's inputs has one value for the whole review.
 */
export const SHARED_PATHS = '@review-paths';
const REVIEW_INPUTS: ReadonlySet<string> = new Set(['object', 'oldObject', 'request', 'namespaceObject']);

function sharedPathOf(resolved: readonly ResolvedCandidate[]): string | null {
  if (resolved.length !== 1) return null;
  const { source, accesses } = resolved[0]!;
  if (source.kind !== 'binding' || !REVIEW_INPUTS.has(source.key) || accesses.length === 0) return null;
  const names: string[] = [source.key];
  for (const access of accesses) {
    if (!(access instanceof StringAccess)) return null;
    names.push(access.name);
  }
  return names.join('\u0000');
}

/** Accesses on the value of any expression: the library's RelativeAttr. */
export class RelativeAttribute implements Attribute {
  private readonly accesses: Access[] = [];

  constructor(
    readonly id: number,
    private readonly operand: Evaluable,
  ) {}

  addAccess(access: Access): void {
    this.accesses.push(access);
  }

  resolve(frame: Frame): CelResult | undefined {
    const value = this.operand.eval(frame);
    return isCelError(value) ? value : applyAccesses(frame, value, this.accesses);
  }
}

/** `c ? a : b`, with later accesses applied to both branches: the library's ConditionalAttr. */
export class ConditionalAttribute implements Attribute {
  constructor(
    readonly id: number,
    private readonly condition: Evaluable,
    private readonly whenTrue: Attribute,
    private readonly whenFalse: Attribute,
  ) {}

  addAccess(access: Access): void {
    this.whenTrue.addAccess(access);
    this.whenFalse.addAccess(access);
  }

  resolve(frame: Frame): CelResult | undefined {
    const condition = this.condition.eval(frame);
    if (condition === true) return this.whenTrue.resolve(frame);
    if (condition === false) return this.whenFalse.resolve(frame);
    if (isCelError(condition)) return condition;
    return celError(`found no matching overload for _?_:_ applied to '(${celType(condition).name})'`, this.id);
  }
}
