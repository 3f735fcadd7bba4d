import { celEnv, isCelError, type CelValue } from '@bufbuild/cel';
import { typeName } from './opaque.js';
import { stringOrderFunctions } from './string-order.js';

/** CEL's own operators, so library functions compare and add exactly as expressions do. */
const std = celEnv({ funcs: stringOrderFunctions }).funcs;

export function applyOperator(operator: '_==_' | '_<_' | '_+_', left: CelValue, right: CelValue): CelValue {
  const result = std.find(operator)?.call(0, undefined, [left, right]);
  if (result === undefined) {
    throw new Error(`found no matching overload for '${operator}' applied to '(${typeName(left)}, ${typeName(right)})'`);
  }
  if (isCelError(result)) throw new Error(result.message);
  return result;
}

export function celEquals(left: CelValue, right: CelValue): boolean {
  return applyOperator('_==_', left, right) === true;
}

export function celLess(left: CelValue, right: CelValue): boolean {
  return applyOperator('_<_', left, right) === true;
}
