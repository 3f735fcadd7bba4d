import { parse } from '@bufbuild/cel';
import { children, lineColumn, nextFreeId, type Expr, type ParsedExpr } from './ast.js';

/**
 * CEL's optional syntax, `a.?b` and `a[?k]`, which ValidatingAdmissionPolicy accepts and @bufbuild/cel's
 * parser does not. The `?` of each is blanked out of the source (a space, so every offset and position
 * stays the user's), the rest is parsed as plain selection and indexing, and the nodes at the blanked
 * places are rewritten into calls of ztgate's optional functions (lib/optional.ts), as cel-go rewrites them
 * into `_?._` and `_[?_]`. Those names are the library's own, and its planner would give them its own
 * half-finished meaning; names starting with `@` cannot be written in a rule, so these can only come from here.
 *
 * As in cel-go, a selection or index applied to an optional continues the chain: `a.?b.c` is none when
 * `a` has no `b`, and `has(a.?b.c)` is false. Optional entries in list and map literals (`[a, ?b]`,
 * `{?k: v}`) are marked where the parser's tree has room for them (a list's optional indices, a map
 * entry's optional flag), which only ztgate's compiled form reads (fast/nodes.ts).
 */

export const OPT_SELECT = '@ztgate_opt_select';
export const OPT_INDEX = '@ztgate_opt_index';
export const OPT_HAS = '@ztgate_opt_has';

/** A `?` that follows `.`, `[`, `{` or `,`: nowhere else in CEL can one stand there. */
interface Marker {
  /** Offset of the `?`. */
  at: number;
  /** The character before it, and where that character is: the parser places the node there. */
  after: '.' | '[' | '{' | ',';
  anchor: number;
}

export class OptionalSyntaxError extends Error {}

const MISPLACED_ENTRY = 'an optional entry (?x) can only stand in a list or map literal';

const MARKER_AFTER = new Set(['.', '[', '{', ',']);
const IDENT_CHAR = /[A-Za-z0-9_]/;

/** Whether the letters just before a quote at `quoteAt` make a raw string (r'..', R"..", rb'..', br"..."). */
function isRawPrefix(source: string, quoteAt: number): boolean {
  let start = quoteAt;
  while (start > 0 && /[rRbB]/.test(source[start - 1]!) && quoteAt - start < 2) start--;
  if (start > 0 && IDENT_CHAR.test(source[start - 1]!)) return false;
  return /[rR]/.test(source.slice(start, quoteAt));
}

/** The end (exclusive) of the string literal opening at `start`, or the source's end if it never closes. */
function endOfString(source: string, start: number): number {
  const quote = source[start]!;
  const closer = source.startsWith(quote.repeat(3), start) ? quote.repeat(3) : quote;
  const raw = isRawPrefix(source, start);
  for (let i = start + closer.length; i < source.length; i++) {
    if (!raw && source[i] === '\\') i++;
    else if (source.startsWith(closer, i)) return i + closer.length;
  }
  return source.length;
}

/**
 * The source with each optional `?` blanked, and where they were. String literals and `//` comments are
 * left alone. A comment on the last line gets a newline after it: @bufbuild/cel's parser accepts a
 * comment only when a newline ends it, and cel-go accepts one at the end of the input too.
 */
export function markOptionalSyntax(source: string): { text: string; markers: Marker[] } {
  const markers: Marker[] = [];
  let previous = '';
  let previousAt = -1;
  let endsInComment = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '/' && source[i + 1] === '/') {
      const newline = source.indexOf('\n', i);
      endsInComment = newline < 0;
      i = newline < 0 ? source.length : newline;
      continue;
    }
    if (ch === '"' || ch === "'") {
      i = endOfString(source, i) - 1;
      previous = ch;
      previousAt = i;
      continue;
    }
    if (/\s/.test(ch)) continue;
    if (ch === '?' && MARKER_AFTER.has(previous)) {
      markers.push({ at: i, after: previous as Marker['after'], anchor: previousAt });
      previous = '?';
      previousAt = i;
      continue;
    }
    previous = ch;
    previousAt = i;
  }
  const ended = endsInComment ? `${source}\n` : source;
  if (markers.length === 0) return { text: ended, markers };
  const text = [...ended];
  for (const { at } of markers) text[at] = ' ';
  return { text: text.join(''), markers };
}

/**
 * Where each entry of the literal opening at `open` starts: the opening bracket, then every comma at its
 * own level (strings, comments and nested brackets skipped) up to the bracket that closes it.
 */
function entrySeparators(source: string, open: number): number[] {
  const separators = [open];
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '"' || ch === "'") {
      i = endOfString(source, i) - 1;
    } else if (ch === '/' && source[i + 1] === '/') {
      const newline = source.indexOf('\n', i);
      i = newline < 0 ? source.length : newline;
    } else if (ch === '(' || ch === '[' || ch === '{') {
      depth++;
    } else if (ch === ')' || ch === ']' || ch === '}') {
      if (--depth === 0) break;
    } else if (ch === ',' && depth === 1) {
      separators.push(i);
    }
  }
  return separators;
}

function fail(source: string, offset: number, problem: string): never {
  const { line, column } = lineColumn(source, offset);
  throw new OptionalSyntaxError(`line ${line}, column ${column}: ${problem}`);
}

/** Whether an expression's value is an optional by its form, as cel-go's checker would type it. */
function isOptional(expr: Expr | undefined): boolean {
  if (expr?.exprKind.case !== 'callExpr') return false;
  const call = expr.exprKind.value;
  if (call.function === OPT_SELECT || call.function === OPT_INDEX) return true;
  if (call.target !== undefined && call.args.length === 0 && (call.function === 'first' || call.function === 'last')) return true;
  if (call.target !== undefined && call.args.length === 2 && (call.function === 'optMap' || call.function === 'optFlatMap')) return true;
  if (call.target?.exprKind.case === 'identExpr' && call.target.exprKind.value.name === 'optional') {
    return ['of', 'none', 'ofNonZeroValue'].includes(call.function);
  }
  if (call.function === 'or' && call.target !== undefined && call.args.length === 1) return true;
  if (call.function === '_?_:_' && call.args.length === 3) return isOptional(call.args[1]) && isOptional(call.args[2]);
  return false;
}

class Rewriter {
  private nextId: bigint;
  private readonly consumed = new Set<Marker>();
  private readonly byAnchor = new Map<number, Marker>();

  constructor(
    private readonly parsed: ParsedExpr,
    private readonly source: string,
    private readonly markers: readonly Marker[],
  ) {
    this.nextId = nextFreeId(parsed);
    for (const marker of markers) this.byAnchor.set(marker.anchor, marker);
  }

  private positionOf(expr: Expr): number | undefined {
    return this.parsed.sourceInfo?.positions[String(expr.id)];
  }

  /** The marker the parser placed this node at, if it is the one expected there; consumed once. */
  private take(expr: Expr, after: Marker['after']): boolean {
    const position = this.positionOf(expr);
    const marker = position === undefined ? undefined : this.byAnchor.get(position);
    if (!marker || marker.after !== after || this.consumed.has(marker)) return false;
    this.consumed.add(marker);
    return true;
  }

  private stringConstant(value: string, at: number | undefined): Expr {
    const id = this.nextId++;
    if (at !== undefined && this.parsed.sourceInfo) this.parsed.sourceInfo.positions[String(id)] = at;
    return {
      $typeName: 'cel.expr.Expr',
      id,
      exprKind: { case: 'constExpr', value: { $typeName: 'cel.expr.Constant', constantKind: { case: 'stringValue', value } } },
    } as Expr;
  }

  private becomeCall(expr: Expr, fn: string, args: Expr[]): void {
    expr.exprKind = { case: 'callExpr', value: { $typeName: 'cel.expr.Expr.Call', function: fn, args } } as Expr['exprKind'];
  }

  rewrite(expr: Expr): void {
    for (const { child } of children(expr)) this.rewrite(child);
    const kind = expr.exprKind;
    if (kind.case === 'selectExpr' && kind.value.operand) {
      const { operand, field, testOnly } = kind.value;
      if (!testOnly && this.take(expr, '.')) {
        this.becomeCall(expr, OPT_SELECT, [operand, this.stringConstant(field, this.positionOf(expr))]);
      } else if (isOptional(operand)) {
        this.becomeCall(expr, testOnly ? OPT_HAS : OPT_SELECT, [operand, this.stringConstant(field, this.positionOf(expr))]);
      }
    } else if (kind.case === 'callExpr' && kind.value.function === '_[_]' && !kind.value.target && kind.value.args.length === 2) {
      if (this.take(expr, '[') || isOptional(kind.value.args[0])) kind.value.function = OPT_INDEX;
    } else if (kind.case === 'listExpr') {
      this.optionalEntries(expr, '[', kind.value.elements.length).forEach((i) => kind.value.optionalIndices.push(i));
    } else if (kind.case === 'structExpr' && kind.value.messageName === '') {
      this.optionalEntries(expr, '{', kind.value.entries.length).forEach((i) => (kind.value.entries[i]!.optionalEntry = true));
    }
  }

  /** The entries of the literal opening at `expr`'s position that a `?` marks, each marker consumed. */
  private optionalEntries(expr: Expr, open: '[' | '{', count: number): number[] {
    const position = this.positionOf(expr);
    if (position === undefined || this.source[position] !== open) return [];
    const separators = entrySeparators(this.source, position).slice(0, count);
    return separators.flatMap((at, i) => {
      const marker = this.byAnchor.get(at);
      if (!marker || marker.after !== (i === 0 ? open : ',') || this.consumed.has(marker)) return [];
      this.consumed.add(marker);
      return [i];
    });
  }

  finish(): void {
    for (const marker of this.markers) {
      if (this.consumed.has(marker)) continue;
      if (marker.after === '{' || marker.after === ',') fail(this.source, marker.at, MISPLACED_ENTRY);
      const form = marker.after === '.' ? '.?' : '[?]';
      const hint = marker.after === '.' ? '; has() tests presence itself: has(a.b)' : '';
      fail(this.source, marker.at, `optional ${marker.after === '.' ? 'selection' : 'index'} ${form} cannot be used here${hint}`);
    }
  }
}

/**
 * parse() with CEL's optional syntax. Throws the parser's own error for what it rejects, and an
 * OptionalSyntaxError (its message already positioned) for optional syntax in a place it cannot stand.
 */
export function parseWithOptionals(source: string): ParsedExpr {
  const { text, markers } = markOptionalSyntax(source);
  const parsed = parse(text);
  if (!parsed.expr) return parsed;
  const rewriter = new Rewriter(parsed, source, markers);
  rewriter.rewrite(parsed.expr);
  rewriter.finish();
  return parsed;
}
