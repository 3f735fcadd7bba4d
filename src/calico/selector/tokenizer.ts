import { MAX_LABEL_LENGTH, ParseError } from './errors.js';

export type TokenKind =
  | 'label'
  | 'string'
  | '{'
  | '}'
  | ','
  | '=='
  | '!='
  | 'in'
  | 'not in'
  | 'contains'
  | 'starts with'
  | 'ends with'
  | '!'
  | 'all()'
  | 'global()'
  | 'has()'
  | '('
  | ')'
  | '&&'
  | '||'
  | 'end';

export interface Token {
  kind: TokenKind;
  /** The label name or string literal value (empty for other kinds). */
  value: string;
  /** Index of the token's first character in the selector. */
  position: number;
}

/** Calico's label alphabet: letters, digits and `_ . / -`, nothing else (no Unicode). */
export function isLabelChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 46 ||
    code === 47 ||
    code === 45
  );
}

function isSpace(code: number): boolean {
  // Calico trims only spaces and tabs; a newline inside a selector is an error.
  return code === 32 || code === 9;
}

/**
 * A single left-to-right pass with no backtracking: each step consumes at least one character, so
 * the work is linear in the input. Mirrors Calico's tokenizer, including its quirks: operators are
 * only recognised right after a label, `not in`/`starts with`/`ends with` may be written without the
 * space, and strings have no escapes.
 */
export class Tokenizer {
  private pos = 0;
  private readonly tokens: Token[] = [];

  constructor(private readonly input: string) {}

  run(): Token[] {
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.input.length) {
        this.tokens.push({ kind: 'end', value: '', position: this.pos });
        return this.tokens;
      }
      this.next();
    }
  }

  private skipSpace(): void {
    while (this.pos < this.input.length && isSpace(this.input.charCodeAt(this.pos))) this.pos++;
  }

  private push(kind: TokenKind, position: number, value = ''): void {
    this.tokens.push({ kind, value, position });
  }

  private startsWith(text: string, at = this.pos): boolean {
    return this.input.startsWith(text, at);
  }

  private next(): void {
    const start = this.pos;
    const ch = this.input[start];
    switch (ch) {
      case '(':
      case ')':
      case '{':
      case '}':
      case ',':
        this.pos++;
        this.push(ch, start);
        return;
      case '"':
      case "'":
        this.readString(ch, start);
        return;
      case '=':
      case '&':
      case '|':
        // These only exist doubled (`==`, `&&`, `||`); a single one is an error, as in Calico.
        if (this.input[start + 1] !== ch) throw new ParseError(`expected ${ch}${ch}`, start);
        this.pos += 2;
        this.push(`${ch}${ch}` as TokenKind, start);
        return;
      case '!': {
        const kind = this.startsWith('!=') ? '!=' : '!';
        this.pos += kind.length;
        this.push(kind, start);
        return;
      }
      default:
        if (this.tokens.at(-1)?.kind === 'label') this.readOperator(start);
        else this.readWord(start);
    }
  }

  private readString(quote: string, start: number): void {
    const end = this.input.indexOf(quote, start + 1);
    if (end === -1) throw new ParseError('unterminated string', start);
    this.push('string', start, this.input.slice(start + 1, end));
    this.pos = end + 1;
  }

  private readOperator(start: number): void {
    const operators: [TokenKind, string[]][] = [
      ['contains', ['contains']],
      ['starts with', ['starts', 'with']],
      ['ends with', ['ends', 'with']],
      ['not in', ['not', 'in']],
      ['in', ['in']],
    ];
    for (const [kind, words] of operators) {
      const after = this.matchWords(words);
      if (after !== undefined) {
        this.pos = after;
        this.push(kind, start);
        return;
      }
    }
    const label = this.tokens.at(-1)?.value ?? '';
    throw new ParseError(`expected an operator after label ${JSON.stringify(label)}`, start);
  }

  /** Where the words end when they follow here (spaces allowed between them), else undefined. */
  private matchWords(words: string[]): number | undefined {
    let at = this.pos;
    for (const word of words) {
      if (!this.startsWith(word, at)) return undefined;
      at += word.length;
      // Calico skips spaces after every word of a multi-word operator, but not after a single word.
      if (words.length > 1) while (at < this.input.length && isSpace(this.input.charCodeAt(at))) at++;
    }
    // The operator must end at a word boundary: `inf` is not `in`.
    if (at < this.input.length && isLabelChar(this.input.charCodeAt(at))) return undefined;
    return at;
  }

  private readWord(start: number): void {
    if (this.startsWith('has(')) {
      this.pos += 4;
      this.skipSpace();
      const label = this.readLabel();
      this.skipSpace();
      if (this.input[this.pos] !== ')') throw new ParseError("no closing ')' after has(", this.pos);
      this.pos++;
      this.push('has()', start, label);
      return;
    }
    for (const name of ['all', 'global'] as const) {
      if (this.startsWith(`${name}(`)) {
        this.pos += name.length + 1;
        this.skipSpace();
        if (this.input[this.pos] !== ')') throw new ParseError(`no closing ')' after ${name}(`, this.pos);
        this.pos++;
        this.push(`${name}()`, start);
        return;
      }
    }
    this.push('label', start, this.readLabel());
  }

  private readLabel(): string {
    const start = this.pos;
    while (this.pos < this.input.length && isLabelChar(this.input.charCodeAt(this.pos))) this.pos++;
    if (this.pos === start) throw new ParseError('expected a label name', start);
    if (this.pos - start > MAX_LABEL_LENGTH) {
      throw new ParseError(`label is ${this.pos - start} characters long; the limit is ${MAX_LABEL_LENGTH}`, start);
    }
    return this.input.slice(start, this.pos);
  }
}

export function tokenize(input: string): Token[] {
  return new Tokenizer(input).run();
}
