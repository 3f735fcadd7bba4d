/**
 * `items.flatMap(map)` as a loop. V8 runs Array.prototype.flatMap as a generic builtin that its
 * optimising compiler does not inline; on the review path, where each invariant maps a handful of
 * containers or annotations to findings, the loop costs a fraction of it (measured with a perf
 * profile of the server: flatMap and its callbacks were ~3% of a validating review's CPU).
 */
export function flatMapArray<T, U>(items: readonly T[], map: (item: T, index: number) => readonly U[]): U[] {
  const out: U[] = [];
  for (let index = 0; index < items.length; index++) {
    const mapped = map(items[index]!, index);
    for (let at = 0; at < mapped.length; at++) out.push(mapped[at]!);
  }
  return out;
}
