import { celError, celMap, isCelError, type CelInput, type CelResult } from '@bufbuild/cel';
import type { AdmissionRequest } from '../admission/types.js';
import type { CheckContext } from '../engine/types.js';
import type { Bindings } from './compile.js';
import type { CompiledRule, NamedExpression } from './model.js';
import { toCelValue } from './values.js';
import { SHARED_PATHS } from './fast/access.js';

/**
 * The admission request as Kubernetes shows it to CEL (its kubernetes.AdmissionRequest type, which has no
 * `uid`): absent strings are empty, never missing.
 */
export function requestValue(request: AdmissionRequest): Record<string, unknown> {
  return {
    kind: request.kind,
    resource: request.resource,
    subResource: request.subResource ?? '',
    requestKind: request.requestKind ?? request.kind,
    requestResource: request.requestResource ?? request.resource,
    requestSubResource: request.requestSubResource ?? request.subResource ?? '',
    name: request.name ?? '',
    namespace: request.namespace ?? '',
    operation: request.operation,
    userInfo: {
      username: request.userInfo.username,
      uid: request.userInfo.uid ?? '',
      groups: request.userInfo.groups,
      extra: request.userInfo.extra ?? {},
    },
    dryRun: request.dryRun,
    options: request.options ?? null,
  };
}

type InputName = 'object' | 'oldObject' | 'request' | 'namespaceObject';

/**
 * The review's values, converted to CEL on first use and shared by every rule. Conversion is lazy all
 * the way down (toCelValue), so each input is a cheap view until an expression reads into it.
 */
export class ReviewInputs {
  private readonly converted = new Map<InputName, CelInput>();
  private shared: Readonly<Record<InputName, CelInput>> | undefined;
  /** Values of constant paths into the inputs, shared by the review's rules (fast/access.ts). */
  readonly paths = new Map<string, CelResult>();

  constructor(private readonly ctx: CheckContext) {}

  get(name: InputName): CelInput {
    let value = this.converted.get(name);
    if (value === undefined) {
      value = toCelValue(this.raw(name) ?? null);
      this.converted.set(name, value);
    }
    return value;
  }

  /** The four inputs, converted once per review; each rule's bindings copy them (ruleBindings). */
  all(): Readonly<Record<InputName, CelInput>> {
    return (this.shared ??= {
      object: this.get('object'),
      oldObject: this.get('oldObject'),
      request: this.get('request'),
      namespaceObject: this.get('namespaceObject'),
    });
  }

  private raw(name: InputName): unknown {
    switch (name) {
      case 'object':
        return this.ctx.object;
      case 'oldObject':
        return this.ctx.oldObject;
      case 'request':
        return requestValue(this.ctx.request);
      case 'namespaceObject':
        return this.ctx.facts.namespaceObject;
    }
  }
}

/** `variables` as a map, for `has(variables.x)` and `variables['x']`; errors surface when read. */
class VariablesMap implements ReadonlyMap<string, CelInput> {
  constructor(
    private readonly names: readonly string[],
    private readonly read: (name: string) => CelResult,
  ) {}

  get size(): number {
    return this.names.length;
  }

  get(name: string): CelInput | undefined {
    if (!this.names.includes(name)) return undefined;
    const value = this.read(name);
    if (isCelError(value)) throw new Error(value.message);
    return value;
  }

  has(name: string): boolean {
    return this.names.includes(name);
  }

  *entries(): MapIterator<[string, CelInput]> {
    for (const name of this.names) yield [name, this.get(name)!];
  }

  keys(): MapIterator<string> {
    return this.names[Symbol.iterator]();
  }

  *values(): MapIterator<CelInput> {
    for (const name of this.names) yield this.get(name)!;
  }

  forEach(callback: (value: CelInput, key: string, map: ReadonlyMap<string, CelInput>) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }

  [Symbol.iterator](): MapIterator<[string, CelInput]> {
    return this.entries();
  }
}

/** What a rule's activation needs beyond the review's inputs, worked out once per rule, not per review. */
interface RulePlan {
  names: readonly string[];
  byName: ReadonlyMap<string, NamedExpression>;
}

const plans = new WeakMap<CompiledRule, RulePlan>();

function planOf(rule: CompiledRule): RulePlan {
  let plan = plans.get(rule);
  if (!plan) {
    const byName = new Map<string, NamedExpression>(rule.variables.map((variable) => [variable.name, variable]));
    plan = { names: [...byName.keys()], byName };
    plans.set(rule, plan);
  }
  return plan;
}

/** A rule without variables reads an empty `variables` map; nothing in it depends on the review. */
const NO_VARIABLES = celMap(
  new VariablesMap([], () => {
    throw new Error('no variables');
  }),
);

/**
 * The activation for one rule: the review's inputs, the rule's params, and its variables, each
 * evaluated at most once and only when an expression reads it (as in Kubernetes). A variable is bound
 * under its dotted name too, so `variables.x` resolves straight to it, errors included.
 */
export function ruleBindings(inputs: ReviewInputs, rule: CompiledRule): Bindings {
  // A plain object of one shape per rule, never Object.create(per-review object): a prototype made per
  // review makes V8 create hidden classes, which live in the old generation, pointing at the review's
  // objects, so every review outlived young-generation collections (about 2 MB promoted per scavenge
  // and a fifth of the CPU with a single rule).
  const { object, oldObject, request, namespaceObject } = inputs.all();
  const bindings: Bindings = {
    object, oldObject, request, namespaceObject, params: rule.params, variables: NO_VARIABLES, [SHARED_PATHS]: inputs.paths,
  };
  if (rule.variables.length === 0) return bindings;
  const { names, byName } = planOf(rule);
  const cache = new Map<string, CelResult>();
  const read = (name: string): CelResult => {
    let value = cache.get(name);
    if (value === undefined) {
      const result = byName.get(name)!.expression.evaluate(bindings);
      value = isCelError(result) ? celError(`variables.${name}: ${result.message}`) : result;
      cache.set(name, value);
    }
    return value;
  };
  for (const name of names) Object.defineProperty(bindings, `variables.${name}`, { get: () => read(name), enumerable: true });
  bindings['variables'] = celMap(new VariablesMap(names, read));
  return bindings;
}
