import type { CelFunc, CelType } from '@bufbuild/cel';
import { qualifiedName, type Expr } from './ast.js';
import { RULE_ENV } from './env.js';

/**
 * What an expression is known to evaluate to before it runs: a CEL type name without parameters
 * (`bool`, `int`, `string`, `list`, `map`, `google.protobuf.Timestamp`...), or `dyn` when that depends
 * on the object. The library offers no type checker, so this follows the declared result types of the
 * environment's overloads; ztgate's objects have no schema, so `object.spec.x` is always `dyn`. It only
 * has to be right when it names a type: a validation is refused for a type it cannot produce, never for
 * `dyn`, which the evaluation still checks.
 */
export type StaticType = string;

const DYN = 'dyn';

const CONSTANT_TYPES: Record<string, StaticType> = {
  boolValue: 'bool',
  int64Value: 'int',
  uint64Value: 'uint',
  doubleValue: 'double',
  stringValue: 'string',
  bytesValue: 'bytes',
  nullValue: 'null_type',
  durationValue: 'google.protobuf.Duration',
  timestampValue: 'google.protobuf.Timestamp',
};

/** Operators the planner evaluates itself (no overloads to read) or that always yield a bool. */
const BOOLEAN_OPERATORS = new Set(['_&&_', '_||_', '!_', '_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_', '@in', '@not_strictly_false', '__not_strictly_false__']);

/** `list(dyn)` → `list`: overloads are told apart by kind, not by element type. */
function baseName(type: CelType): StaticType {
  const name = String(type);
  const parenthesis = name.indexOf('(');
  return parenthesis < 0 ? name : name.slice(0, parenthesis);
}

interface Overload {
  receiver: boolean;
  parameters: StaticType[];
  result: StaticType;
}

const OVERLOADS = new Map<string, Overload[]>();
for (const func of RULE_ENV.funcs as Iterable<CelFunc>) {
  const list = OVERLOADS.get(func.name) ?? [];
  const parameters = [...(func.target ? [baseName(func.target)] : []), ...func.arguments.map(baseName)];
  list.push({ receiver: func.target !== undefined, parameters, result: baseName(func.result) });
  OVERLOADS.set(func.name, list);
}

const accepts = (parameter: StaticType, operand: StaticType): boolean => parameter === DYN || operand === DYN || parameter === operand;

function callType(name: string, receiver: boolean, operands: StaticType[]): StaticType {
  if (BOOLEAN_OPERATORS.has(name)) return 'bool';
  const candidates = (OVERLOADS.get(name) ?? []).filter(
    (overload) =>
      overload.receiver === receiver &&
      overload.parameters.length === operands.length &&
      overload.parameters.every((parameter, i) => accepts(parameter, operands[i]!)),
  );
  const results = new Set(candidates.map((overload) => overload.result));
  return results.size === 1 ? [...results][0]! : DYN;
}

export function staticTypeOf(expr: Expr | undefined, accumulators: ReadonlyMap<string, StaticType> = new Map()): StaticType {
  if (!expr) return DYN;
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'constExpr':
      return CONSTANT_TYPES[kind.value.constantKind.case ?? ''] ?? DYN;
    case 'listExpr':
      return 'list';
    case 'structExpr':
      return kind.value.messageName === '' ? 'map' : DYN;
    case 'identExpr':
      return accumulators.get(kind.value.name) ?? DYN;
    case 'selectExpr':
      // has(a.b) is a select marked test-only.
      return kind.value.testOnly ? 'bool' : DYN;
    case 'comprehensionExpr': {
      // Macros end in their accumulator (all, exists, map, filter) or in a comparison with it (exists_one).
      const loop = kind.value;
      return staticTypeOf(loop.result, new Map([...accumulators, [loop.accuVar, staticTypeOf(loop.accuInit, accumulators)]]));
    }
    case 'callExpr': {
      const call = kind.value;
      if (call.function === '_?_:_') {
        const [whenTrue, whenFalse] = [staticTypeOf(call.args[1], accumulators), staticTypeOf(call.args[2], accumulators)];
        return whenTrue === whenFalse ? whenTrue : DYN;
      }
      if (call.function === '_[_]') return DYN;
      // `lists.range(n)`, `strings.quote(s)`: a namespaced function, as the planner resolves it.
      const namespace = call.target ? qualifiedName(call.target) : undefined;
      if (namespace !== undefined && OVERLOADS.has(`${namespace}.${call.function}`)) {
        return callType(`${namespace}.${call.function}`, false, call.args.map((arg) => staticTypeOf(arg, accumulators)));
      }
      const operands = [...(call.target ? [call.target] : []), ...call.args].map((operand) => staticTypeOf(operand, accumulators));
      return callType(call.function, call.target !== undefined, operands);
    }
    default:
      return DYN;
  }
}
