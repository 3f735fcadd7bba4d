import { children, type Expr, type ParsedExpr } from './ast.js';

/**
 * Where cel-go, and so Kubernetes' messages, place a node of the parsed tree. The parser places a call at
 * its name (or at the dot before a method's name), a macro's parts at that dot, `has()` at its name and
 * a conditional at its condition; cel-go places the first three at the `(` and a conditional at its `?`.
 */
export class SourcePositions {
  private nodes: Map<string, Expr> | undefined;

  constructor(
    private readonly parsed: ParsedExpr,
    private readonly source: string,
  ) {}

  offsetOf(id: bigint): number | undefined {
    let offset = this.parsed.sourceInfo?.positions[String(id)];
    if (offset === undefined) return undefined;
    // The parser puts an operator after a number literal at the space before it (`1 + 2u`: column 2);
    // cel-go, and every other operator here, at the operator itself.
    while (offset < this.source.length && /\s/.test(this.source[offset]!)) offset++;
    // Indexed when first asked, which is only when there is an error to place.
    this.nodes ??= indexNodes(this.parsed.expr);
    const node = this.nodes.get(String(id));
    return node ? celGoOffset(node, offset, this.source, this.parsed.sourceInfo?.positions ?? {}) : offset;
  }
}

function indexNodes(root: Expr | undefined): Map<string, Expr> {
  const nodes = new Map<string, Expr>();
  const visit = (expr: Expr): void => {
    if (!nodes.has(String(expr.id))) nodes.set(String(expr.id), expr);
    for (const { child } of children(expr)) visit(child);
  };
  if (root) visit(root);
  return nodes;
}

/** `.name (` or `name (` / `ns.name (` from a call's recorded place: the parser's, from which cel-go's `(` follows. */
const MEMBER_CALL = /\.\s*[A-Za-z_][A-Za-z0-9_]*\s*\(/y;
const GLOBAL_CALL = /[A-Za-z_][A-Za-z0-9_.]*\s*\(/y;

/** cel-go's place for a node the parser placed at `offset`. */
function celGoOffset(node: Expr, offset: number, source: string, positions: Record<string, number>): number {
  const kind = node.exprKind;
  if (kind.case === 'callExpr' && kind.value.function === '_?_:_' && source[offset] !== '.') {
    return questionMark(kind.value.args[1], source, positions) ?? offset;
  }
  const named = kind.case === 'callExpr' && /^[A-Za-z_]/.test(kind.value.function);
  const macro = kind.case === 'comprehensionExpr' || (kind.case === 'selectExpr' && kind.value.testOnly);
  if (!named && !macro && !(kind.case === 'callExpr' && source[offset] === '.')) return offset;
  for (const pattern of [MEMBER_CALL, GLOBAL_CALL]) {
    pattern.lastIndex = offset;
    if (pattern.test(source)) return pattern.lastIndex - 1;
  }
  return offset;
}

/** The `?` before a conditional's first branch: back from where that branch starts, over spaces and parentheses. */
function questionMark(branch: Expr | undefined, source: string, positions: Record<string, number>): number | undefined {
  if (!branch) return undefined;
  let start = Infinity;
  const visit = (expr: Expr): void => {
    const at = positions[String(expr.id)];
    if (at !== undefined && at < start) start = at;
    for (const { child } of children(expr)) visit(child);
  };
  visit(branch);
  if (start === Infinity) return undefined;
  let i = start - 1;
  while (i >= 0 && /[\s(]/.test(source[i]!)) i--;
  return source[i] === '?' ? i : undefined;
}
