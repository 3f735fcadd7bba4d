import { celFunc, celMethod, CelScalar, listType, type CelList, type CelValue } from '@bufbuild/cel';
import { charge } from '../budget.js';
import { applyOperator, celEquals, celLess } from './operators.js';

const { BOOL, DYN, INT } = CelScalar;
const LIST = listType(DYN);

function extreme(list: CelList, name: string, better: (candidate: CelValue, best: CelValue) => boolean): CelValue {
  charge(list.size);
  let best: CelValue | undefined;
  for (const item of list) if (best === undefined || better(item, best)) best = item;
  if (best === undefined) throw new Error(`${name}() called on an empty list`);
  return best;
}

function indexOf(list: CelList, value: CelValue, fromEnd: boolean): bigint {
  charge(list.size);
  const items = [...list];
  for (let k = 0; k < items.length; k++) {
    const i = fromEnd ? items.length - 1 - k : k;
    if (celEquals(items[i]!, value)) return BigInt(i);
  }
  return -1n;
}

/** Quadratic, so charged one needle at a time: the deadline is checked while it runs, not only before. */
function containsAll(haystack: CelList, needles: CelList): boolean {
  const items = [...haystack];
  for (const needle of needles) {
    charge(items.length);
    if (!items.some((item) => celEquals(item, needle))) return false;
  }
  return true;
}

function intersects(a: CelList, b: CelList): boolean {
  const items = [...a];
  for (const other of b) {
    charge(items.length);
    if (items.some((item) => celEquals(item, other))) return true;
  }
  return false;
}

/** Kubernetes' lists library, and the sets library from cel-go's extensions, which Kubernetes enables. */
export const listFunctions = [
  celMethod('isSorted', LIST, [], BOOL, function () {
    charge(this.size);
    let previous: CelValue | undefined;
    for (const item of this) {
      if (previous !== undefined && celLess(item, previous)) return false;
      previous = item;
    }
    return true;
  }),
  celMethod('sum', LIST, [], DYN, function () {
    charge(this.size);
    let total: CelValue | undefined;
    for (const item of this) total = total === undefined ? item : applyOperator('_+_', total, item);
    return total ?? 0n;
  }),
  celMethod('min', LIST, [], DYN, function () {
    return extreme(this, 'min', celLess);
  }),
  celMethod('max', LIST, [], DYN, function () {
    return extreme(this, 'max', (candidate, best) => celLess(best, candidate));
  }),
  celMethod('indexOf', LIST, [DYN], INT, function (value) {
    return indexOf(this, value, false);
  }),
  celMethod('lastIndexOf', LIST, [DYN], INT, function (value) {
    return indexOf(this, value, true);
  }),
  celFunc('sets.contains', [LIST, LIST], BOOL, (list, sublist) => containsAll(list, sublist)),
  celFunc('sets.equivalent', [LIST, LIST], BOOL, (a, b) => containsAll(a, b) && containsAll(b, a)),
  celFunc('sets.intersects', [LIST, LIST], BOOL, intersects),
];
