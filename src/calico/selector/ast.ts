export type CompareOperator = '==' | '!=' | 'contains' | 'starts with' | 'ends with';
export type SetOperator = 'in' | 'not in';

/** A parsed Calico selector. And/Or nodes always have at least two operands. */
export type SelectorNode =
  | { type: 'all' }
  | { type: 'global' }
  | { type: 'has'; label: string }
  | { type: 'compare'; op: CompareOperator; label: string; value: string }
  | { type: 'set'; op: SetOperator; label: string; values: readonly string[]; lookup: ReadonlySet<string> }
  | { type: 'not'; operand: SelectorNode }
  | { type: 'and'; operands: readonly SelectorNode[] }
  | { type: 'or'; operands: readonly SelectorNode[] };

/** Go orders strings by their UTF-8 bytes, which is code-point order, not JavaScript's UTF-16 order. */
export function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) return x.done === y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

/** Set literals are deduplicated and sorted, as Calico stores them. */
export function setNode(op: SetOperator, label: string, values: readonly string[]): SelectorNode {
  const unique = [...new Set(values)].sort(compareCodePoints);
  return { type: 'set', op, label, values: unique, lookup: new Set(unique) };
}

/** Calling a visitor on every node, depth first: used by the analyses, never recursive without bound. */
export function walk(node: SelectorNode, visit: (node: SelectorNode) => void): void {
  const stack: SelectorNode[] = [node];
  while (stack.length > 0) {
    const current = stack.pop()!;
    visit(current);
    if (current.type === 'not') stack.push(current.operand);
    else if (current.type === 'and' || current.type === 'or') stack.push(...current.operands);
  }
}
