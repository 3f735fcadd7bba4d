import { setNode, type CompareOperator, type SelectorNode } from './ast.js';
import { MAX_SELECTOR_DEPTH, MAX_SELECTOR_LENGTH, ParseError } from './errors.js';
import { tokenize, type Token, type TokenKind } from './tokenizer.js';

const COMPARE_OPERATORS: ReadonlySet<TokenKind> = new Set<TokenKind>(['==', '!=', 'contains', 'starts with', 'ends with']);

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of selector';
    case 'label':
      return `label ${JSON.stringify(token.value)}`;
    case 'string':
      return `string ${JSON.stringify(token.value)}`;
    case 'has()':
      return `has(${token.value})`;
    default:
      return `'${token.kind}'`;
  }
}

/**
 * Recursive descent over the token list with Calico's precedence (`||` < `&&` < `!` < operations);
 * parentheses are the only recursion, capped at MAX_SELECTOR_DEPTH.
 */
class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): SelectorNode {
    if (this.peek().kind === 'end') return { type: 'all' };
    const node = this.parseOr(0);
    const rest = this.peek();
    if (rest.kind !== 'end') throw new ParseError(`unexpected ${describe(rest)}`, rest.position);
    return node;
  }

  private peek(): Token {
    // The tokenizer always ends the list with an `end` token, and the parser never steps past it.
    return this.tokens[this.index]!;
  }

  private take(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private parseOr(depth: number): SelectorNode {
    return this.parseChain('||', 'or', () => this.parseAnd(depth));
  }

  private parseAnd(depth: number): SelectorNode {
    return this.parseChain('&&', 'and', () => this.parseOperation(depth));
  }

  /** One or more operands separated by `separator`; a single operand stands alone. */
  private parseChain(separator: '||' | '&&', type: 'or' | 'and', operand: () => SelectorNode): SelectorNode {
    const operands = [operand()];
    while (this.peek().kind === separator) {
      this.take();
      operands.push(operand());
    }
    return operands.length === 1 ? operands[0]! : { type, operands };
  }

  private parseOperation(depth: number): SelectorNode {
    // Leading `!`s collapse to one negation or none, as in Calico (so `!!has(a)` prints as `has(a)`).
    let negated = false;
    while (this.peek().kind === '!') {
      this.take();
      negated = !negated;
    }
    const node = this.parseTerm(depth);
    return negated ? { type: 'not', operand: node } : node;
  }

  private parseTerm(depth: number): SelectorNode {
    const token = this.take();
    switch (token.kind) {
      case 'has()':
        return { type: 'has', label: token.value };
      case 'all()':
        return { type: 'all' };
      case 'global()':
        return { type: 'global' };
      case 'label':
        return this.parseLabelOperation(token);
      case '(': {
        if (depth >= MAX_SELECTOR_DEPTH) {
          throw new ParseError(`parentheses nested deeper than ${MAX_SELECTOR_DEPTH}`, token.position);
        }
        const inner = this.parseOr(depth + 1);
        const close = this.take();
        if (close.kind !== ')') throw new ParseError(`expected ), found ${describe(close)}`, close.position);
        return inner;
      }
      default:
        throw new ParseError(`unexpected ${describe(token)}`, token.position);
    }
  }

  private parseLabelOperation(label: Token): SelectorNode {
    const operator = this.take();
    if (COMPARE_OPERATORS.has(operator.kind)) {
      const value = this.take();
      if (value.kind !== 'string') throw new ParseError(`expected a quoted string, found ${describe(value)}`, value.position);
      return { type: 'compare', op: operator.kind as CompareOperator, label: label.value, value: value.value };
    }
    if (operator.kind === 'in' || operator.kind === 'not in') {
      return setNode(operator.kind, label.value, this.parseSetLiteral());
    }
    throw new ParseError(`expected an operator after label ${JSON.stringify(label.value)}, found ${describe(operator)}`, operator.position);
  }

  /** `{"a", "b"}`; Calico accepts `{}` and a trailing comma, but not a leading or doubled one. */
  private parseSetLiteral(): string[] {
    const open = this.take();
    if (open.kind !== '{') throw new ParseError(`expected a set literal {...}, found ${describe(open)}`, open.position);
    const values: string[] = [];
    while (this.peek().kind === 'string') {
      values.push(this.take().value);
      if (this.peek().kind !== ',') break;
      this.take();
    }
    const close = this.take();
    if (close.kind !== '}') throw new ParseError(`expected }, found ${describe(close)}`, close.position);
    return values;
  }
}

/** Parses a selector, throwing ParseError (and nothing else) for bad input, however large. */
export function parseSelector(text: string): SelectorNode {
  if (typeof text !== 'string') throw new ParseError('a selector must be a string', 0);
  if (text.length > MAX_SELECTOR_LENGTH) {
    throw new ParseError(`selector is ${text.length} characters long; the limit is ${MAX_SELECTOR_LENGTH}`, MAX_SELECTOR_LENGTH);
  }
  return new Parser(tokenize(text)).parse();
}
