import { parse } from '@bufbuild/cel';

/** The parser's tree, named through the public parse() rather than the protobuf package behind it. */
export type ParsedExpr = ReturnType<typeof parse>;
export type Expr = ParsedExpr['expr'];
type Kind<K extends string> = Extract<Expr['exprKind'], { case: K }>['value'];
export type CallNode = Kind<'callExpr'>;
export type ComprehensionNode = Kind<'comprehensionExpr'>;

/** `a.b.c` as a dotted name, when the expression is only identifiers and field selections. */
export function qualifiedName(expr: Expr): string | undefined {
  const kind = expr.exprKind;
  if (kind.case === 'identExpr') return kind.value.name;
  if (kind.case === 'selectExpr' && !kind.value.testOnly && kind.value.operand) {
    const parent = qualifiedName(kind.value.operand);
    return parent === undefined ? undefined : `${parent}.${kind.value.field}`;
  }
  return undefined;
}

/** Direct children, in source order, with the comprehension variables each one sees. */
export function children(expr: Expr): { child: Expr; binds: string[] }[] {
  const kind = expr.exprKind;
  const plain = (items: (Expr | undefined)[]) => items.filter((e): e is Expr => e !== undefined).map((child) => ({ child, binds: [] }));
  switch (kind.case) {
    case 'selectExpr':
      return plain([kind.value.operand]);
    case 'callExpr':
      return plain([kind.value.target, ...kind.value.args]);
    case 'listExpr':
      return plain(kind.value.elements);
    case 'structExpr':
      return plain(kind.value.entries.flatMap((entry) => [entry.keyKind.case === 'mapKey' ? entry.keyKind.value : undefined, entry.value]));
    case 'comprehensionExpr': {
      const c = kind.value;
      const loopVars = [c.iterVar, c.iterVar2, c.accuVar].filter((name) => name !== '');
      return [
        ...plain([c.iterRange, c.accuInit]),
        ...[c.loopCondition, c.loopStep].filter((e): e is Expr => e !== undefined).map((child) => ({ child, binds: loopVars })),
        ...(c.result ? [{ child: c.result, binds: [c.accuVar] }] : []),
      ];
    }
    default:
      return [];
  }
}

/** Wraps every loop condition in `fn(condition)`; the node keeps the comprehension's id for error positions. */
export function instrumentLoops(expr: Expr, fn: string): void {
  for (const { child } of children(expr)) instrumentLoops(child, fn);
  const kind = expr.exprKind;
  if (kind.case !== 'comprehensionExpr' || !kind.value.loopCondition) return;
  const condition = kind.value.loopCondition;
  kind.value.loopCondition = {
    $typeName: 'cel.expr.Expr',
    id: expr.id,
    exprKind: { case: 'callExpr', value: { $typeName: 'cel.expr.Expr.Call', function: fn, args: [condition] } },
  } as Expr;
}

/** An id that neither a node of the parsed tree nor a recorded position has yet, for nodes a rewrite adds. */
export function nextFreeId(parsed: ParsedExpr): bigint {
  let max = Object.keys(parsed.sourceInfo?.positions ?? {}).reduce((top, id) => (BigInt(id) > top ? BigInt(id) : top), 0n);
  const visit = (expr: Expr): void => {
    if (expr.id > max) max = expr.id;
    for (const { child } of children(expr)) visit(child);
  };
  if (parsed.expr) visit(parsed.expr);
  return max + 1n;
}

/** Line and column (1-based) of a character offset. */
export function lineColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/**
 * Deepest bracket nesting, skipping string literals. The parser recurses per bracket and overflows the
 * stack near a thousand levels, so this runs before it.
 */
export function bracketDepth(source: string): number {
  let depth = 0;
  let deepest = 0;
  let quote = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (source.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = '';
      }
    } else if (ch === '"' || ch === "'") {
      quote = source.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      i += quote.length - 1;
    } else if (ch === '(' || ch === '[' || ch === '{') {
      deepest = Math.max(deepest, ++depth);
    } else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
    }
  }
  return deepest;
}
