import { celMethod, CelScalar, type CelValue } from '@bufbuild/cel';
import { opaqueKind, typeName } from './opaque.js';
import { compareQuantities, quantityOf } from './quantity.js';
import { compareSemvers, semverOf } from './semver.js';

const { BOOL, DYN, INT } = CelScalar;

/**
 * compareTo, isGreaterThan and isLessThan exist in Kubernetes for Quantity and for Semver. Both travel as
 * maps here (opaque.ts) and the library keys overloads by argument kinds, so one overload per name
 * dispatches on the receiver; as in Kubernetes, the operand must be of the receiver's type.
 */
function compare(self: CelValue, other: CelValue, name: string): number {
  switch (opaqueKind(self)) {
    case 'Quantity':
      return compareQuantities(quantityOf(self, name), quantityOf(other, name));
    case 'Semver':
      return compareSemvers(semverOf(self, name), semverOf(other, name));
    default:
      throw new Error(`found no matching overload for '${name}': expected Quantity or Semver, got ${typeName(self)}`);
  }
}

export const orderingFunctions = [
  celMethod('compareTo', DYN, [DYN], INT, function (other) {
    return BigInt(compare(this, other, 'compareTo'));
  }),
  celMethod('isGreaterThan', DYN, [DYN], BOOL, function (other) {
    return compare(this, other, 'isGreaterThan') > 0;
  }),
  celMethod('isLessThan', DYN, [DYN], BOOL, function (other) {
    return compare(this, other, 'isLessThan') < 0;
  }),
];
