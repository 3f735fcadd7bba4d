import { isScalar, Schema } from 'yaml';

/** One document of a multi-document YAML text. */
export interface ParsedDocument {
  value: unknown;
  /** 0-based index of the document in its file. */
  index: number;
  /** 1-based line where the document starts. */
  line: number;
}

/**
 * A reader for the YAML that manifests are written in (block mappings and sequences, plain, quoted,
 * literal and simply folded scalars, one-line flow collections, comments, `---` and `...`), about ten
 * times faster than the `yaml` package's document model, which made `ztgate check` of a repository
 * take half a minute.
 *
 * It gives exactly what `yaml` gives (same values through `yaml`'s own core-schema tags, same document
 * indices and start lines) or nothing: anything outside that subset (anchors, aliases, tags,
 * directives, complex or duplicate keys, multi-line plain or quoted scalars, multi-line flow
 * collections, tabs, CR, control characters, ...) returns undefined, and the caller parses the text
 * with `yaml`, which also words every error. A differential test holds the two readers together.
 */
export function readPlainYaml(text: string): ParsedDocument[] | undefined {
  if (UNSUPPORTED_CHARACTERS.test(text)) return undefined;
  try {
    return new Reader(text.split('\n')).documents();
  } catch {
    // DECLINE, or a stack overflow on absurd nesting: either way `yaml` decides, and words any error.
    return undefined;
  }
}

// Tabs, CR, BOM, control characters and the Unicode line separators have rules this reader does not
// implement; `yaml` handles them.
// eslint-disable-next-line no-control-regex
const UNSUPPORTED_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

/** Thrown (never escapes readPlainYaml) when the text needs the full parser. */
const DECLINE = Symbol('decline');

function decline(): never {
  throw DECLINE;
}

type ScalarTag = { test?: RegExp; default?: boolean | 'key'; resolve: (value: string, onError: (message: string) => void, options: object) => unknown };

/** `yaml`'s core schema tags that resolve plain scalars (null, bool, int, float), in `yaml`'s order. */
const PLAIN_TAGS: readonly ScalarTag[] = (new Schema({}).tags as unknown as ScalarTag[]).filter((tag) => tag.default === true && tag.test);
const RESOLVE_OPTIONS = { intAsBigInt: false };
/** Every core-schema null, bool, int or float starts with one of these. */
const TYPED_FIRST = new Set(['~', 'n', 'N', 't', 'T', 'f', 'F', '-', '+', '.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/** A plain scalar's value as `yaml` resolves it; `string` says whether it stayed a string. */
function resolvePlain(text: string): { value: unknown; string: boolean } {
  if (TYPED_FIRST.has(text[0]!)) {
    for (const tag of PLAIN_TAGS) {
      if (!tag.test!.test(text)) continue;
      let failed = false;
      const resolved = tag.resolve(text, () => (failed = true), RESOLVE_OPTIONS);
      // Some tags wrap the value in a Scalar to remember its source format.
      const value = isScalar(resolved) ? resolved.value : resolved;
      if (failed || (typeof value === 'object' && value !== null) || typeof value === 'bigint') decline();
      return { value, string: false };
    }
  }
  return { value: text, string: true };
}

const SPACE = 32;

function indentOf(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === SPACE) i++;
  return i;
}

/** Only spaces, or spaces and a comment. */
function isBlankOrComment(line: string): boolean {
  const i = indentOf(line);
  return i === line.length || line.charCodeAt(i) === 35; /* # */
}

function isMarker(line: string, marker: '---' | '...'): boolean {
  return line.startsWith(marker) && (line.length === 3 || line.charCodeAt(3) === SPACE);
}

/** After `from`, nothing but spaces and a comment that a space separates from what came before. */
function restIsBlank(line: string, from: number): boolean {
  let i = from;
  while (line.charCodeAt(i) === SPACE) i++;
  if (i === line.length) return true;
  return line.charCodeAt(i) === 35 && i > from;
}

/** Characters that cannot start a plain scalar (or that this reader leaves to `yaml` there). */
const INDICATORS = new Set(['-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);
const FLOW_INDICATORS = new Set([',', '[', ']', '{', '}']);

/** A plain scalar may start at `column`: not an indicator, except `-` before a character such as in `-1` or `--flag`. */
function startsPlain(text: string, column: number): boolean {
  const first = text[column];
  if (first === undefined) return false;
  if (first !== '-') return !INDICATORS.has(first);
  const next = text[column + 1];
  return next !== undefined && next !== ' ' && !FLOW_INDICATORS.has(next);
}

/** `- ` or a lone `-` at `column`. */
function isSequenceEntry(line: string, column: number): boolean {
  return line.charCodeAt(column) === 45 /* - */ && (line.length === column + 1 || line.charCodeAt(column + 1) === SPACE);
}

/**
 * Deeper nesting is left to `yaml`, which refuses a few hundred levels (its stack overflows); no
 * manifest comes near this.
 */
const MAX_DEPTH = 100;

/** Keys `yaml` gives special treatment (a merge key, the prototype): left to it. */
const SPECIAL_KEYS = new Set(['<<', '__proto__']);

interface Key {
  key: string;
  /** Column after the `:` indicator. */
  after: number;
}

class Reader {
  private line = 0;
  private depth = 0;

  constructor(private readonly lines: string[]) {}

  documents(): ParsedDocument[] {
    const { lines } = this;
    const out: ParsedDocument[] = [];
    this.skipBlank();
    for (let index = 0; this.line < lines.length; index++) {
      // A document starts at its `---` line, or (the first one, or one after `...`) at its first content.
      const start = this.line;
      const first = lines[start]!;
      if (first.startsWith('%') || isMarker(first, '...')) decline();
      if (isMarker(first, '---')) {
        if (!restIsBlank(first, 3)) decline();
        this.line++;
      }
      const value = this.blockNode(-1, false);
      // An empty document (`---` alone) still takes its index.
      if (value !== null) out.push({ value, index, line: start + 1 });
      this.skipBlank();
      if (this.line === lines.length) break;
      const next = lines[this.line]!;
      if (isMarker(next, '---')) continue;
      if (!isMarker(next, '...') || !restIsBlank(next, 3)) decline();
      this.line++;
      this.skipBlank();
    }
    return out;
  }

  private skipBlank(): void {
    const { lines } = this;
    while (this.line < lines.length && isBlankOrComment(lines[this.line]!)) this.line++;
  }

  /**
   * The node on the lines after the current one, indented more than `parent`; null when there is
   * none. `sequenceAtParent`: a mapping value may be a sequence at the mapping's own indentation.
   */
  private blockNode(parent: number, sequenceAtParent: boolean): unknown {
    const { lines } = this;
    let next = this.line;
    while (next < lines.length && isBlankOrComment(lines[next]!)) next++;
    if (next === lines.length) return null;
    const text = lines[next]!;
    if (isMarker(text, '---') || isMarker(text, '...')) return null;
    const indent = indentOf(text);
    if (indent <= parent && !(sequenceAtParent && indent === parent && isSequenceEntry(text, indent))) return null;
    this.line = next;
    if (isSequenceEntry(text, indent)) return this.sequence(indent);
    if (this.keyAt(text, indent)) return this.mapping(indent, indent);
    // A scalar on its own line: only the one-line forms, then nothing more indented may follow.
    const value = this.inlineValue(text, indent, parent);
    this.nextAt(parent);
    return value;
  }

  /** The block sequence whose `-` entries start at `indent`, from the current line. */
  private sequence(indent: number): unknown[] {
    const { lines } = this;
    const items: unknown[] = [];
    if (++this.depth > MAX_DEPTH) decline();
    for (;;) {
      const text = lines[this.line]!;
      let at = indent + 1;
      while (text.charCodeAt(at) === SPACE) at++;
      if (at >= text.length || text.charCodeAt(at) === 35) {
        if (at < text.length && at === indent + 1) decline();
        this.line++;
        items.push(this.blockNode(indent, false));
      } else if (isSequenceEntry(text, at)) {
        decline();
      } else if (this.keyAt(text, at)) {
        items.push(this.mapping(at, at));
      } else {
        items.push(this.inlineValue(text, at, indent));
      }
      if (!this.nextAt(indent) || !isSequenceEntry(lines[this.line]!, indent)) {
        this.depth--;
        return items;
      }
    }
  }

  /** The block mapping whose keys start at `indent`; its first key is at `column` of the current line. */
  private mapping(indent: number, column: number): Record<string, unknown> {
    const { lines } = this;
    const map: Record<string, unknown> = {};
    if (++this.depth > MAX_DEPTH) decline();
    let at = column;
    for (;;) {
      const text = lines[this.line]!;
      const key = this.keyAt(text, at);
      if (!key || Object.hasOwn(map, key.key) || SPECIAL_KEYS.has(key.key)) decline();
      let valueAt = key.after;
      while (text.charCodeAt(valueAt) === SPACE) valueAt++;
      let value: unknown;
      if (valueAt >= text.length || text.charCodeAt(valueAt) === 35) {
        if (valueAt < text.length && valueAt === key.after) decline();
        this.line++;
        value = this.blockNode(indent, true);
      } else {
        if (isSequenceEntry(text, valueAt) || this.keyAt(text, valueAt)) decline();
        value = this.inlineValue(text, valueAt, indent);
      }
      map[key.key] = value;
      if (!this.nextAt(indent)) {
        this.depth--;
        return map;
      }
      if (isSequenceEntry(lines[this.line]!, indent)) {
        // A sequence at a mapping's indentation belongs to the key before it, which had its value.
        decline();
      }
      at = indent;
    }
  }

  /**
   * Moves to the next line with content. True when it sits exactly at `indent` (the collection goes
   * on); false when the collection ended (less indented, a document marker, or the end). Content
   * indented more than `indent` would continue a scalar or be malformed: left to `yaml`.
   */
  private nextAt(indent: number): boolean {
    this.skipBlank();
    if (this.line === this.lines.length) return false;
    const text = this.lines[this.line]!;
    if (isMarker(text, '---') || isMarker(text, '...')) return false;
    const indent2 = indentOf(text);
    if (indent2 > indent) decline();
    return indent2 === indent;
  }

  /** An implicit key at `column` (plain or quoted, followed by `:` and a space or the line end). */
  private keyAt(text: string, column: number): Key | undefined {
    const first = text[column]!;
    if (first === '"' || first === "'") {
      const quoted = quotedScalar(text, column);
      if (text.charCodeAt(quoted.end) !== 58 /* : */) return undefined;
      const after = quoted.end + 1;
      if (after < text.length && text.charCodeAt(after) !== SPACE) return undefined;
      return { key: quoted.value, after };
    }
    if (!startsPlain(text, column)) return undefined;
    for (let i = column + 1; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 35 /* # */ && text.charCodeAt(i - 1) === SPACE) return undefined;
      if (code !== 58 || (i + 1 < text.length && text.charCodeAt(i + 1) !== SPACE)) continue;
      const key = text.slice(column, i);
      // Implicit keys are limited to 1024 characters; trailing spaces before `:` are left to `yaml`.
      if (key.length > 1000 || key.endsWith(' ')) decline();
      if (!resolvePlain(key).string) decline();
      return { key, after: i + 1 };
    }
    return undefined;
  }

  /**
   * A value that starts at `column` of the current line and ends on it (or a block scalar, which
   * takes the lines indented more than `parent`). Leaves the current line after the value.
   */
  private inlineValue(text: string, column: number, parent: number): unknown {
    const first = text[column]!;
    if (first === '|' || first === '>') return this.blockScalar(text, column, parent);
    this.line++;
    if (first === '"' || first === "'") {
      const quoted = quotedScalar(text, column);
      if (!restIsBlank(text, quoted.end)) decline();
      return quoted.value;
    }
    if (first === '[' || first === '{') {
      const flow = new FlowReader(text, column);
      const value = flow.node();
      if (!restIsBlank(text, flow.at)) decline();
      return value;
    }
    if (!startsPlain(text, column)) decline();
    let end = text.length;
    for (let i = column + 1; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 35 && text.charCodeAt(i - 1) === SPACE) {
        end = i;
        break;
      }
      if (code === 58 && (i + 1 === text.length || text.charCodeAt(i + 1) === SPACE)) decline();
    }
    while (text.charCodeAt(end - 1) === SPACE) end--;
    return resolvePlain(text.slice(column, end)).value;
  }

  /** `|` or `>` with an optional `-`; the content lines are those indented more than `parent`. */
  private blockScalar(text: string, column: number, parent: number): string {
    const { lines } = this;
    const folded = text[column] === '>';
    let at = column + 1;
    const strip = text[at] === '-';
    if (strip) at++;
    if (!restIsBlank(text, at)) decline();
    this.line++;
    const start = this.line;
    if (start >= lines.length || lines[start]!.trim() === '') decline();
    const indent = indentOf(lines[start]!);
    if (indent <= parent || indent === lines[start]!.length) decline();
    const content: string[] = [];
    let end = start;
    for (; end < lines.length; end++) {
      const line = lines[end]!;
      if (isMarker(line, '---') || isMarker(line, '...')) break;
      const lineIndent = indentOf(line);
      if (lineIndent === line.length) {
        // Spaces beyond the indentation would be content of their own.
        if (lineIndent > indent) decline();
        content.push('');
        continue;
      }
      if (lineIndent < indent) break;
      content.push(line.slice(indent));
    }
    while (content[content.length - 1] === '') content.pop();
    this.line = start + content.length;
    if (folded && content.some((line) => line === '' || line.charCodeAt(0) === SPACE)) decline();
    const body = content.join(folded ? ' ' : '\n');
    return strip ? body : `${body}\n`;
  }
}

/** A one-line quoted scalar at `column`: its value and the column after the closing quote. */
function quotedScalar(text: string, column: number): { value: string; end: number } {
  if (text[column] === "'") {
    let value = '';
    let from = column + 1;
    for (;;) {
      const quote = text.indexOf("'", from);
      if (quote === -1) decline();
      value += text.slice(from, quote);
      if (text[quote + 1] !== "'") return { value, end: quote + 1 };
      value += "'";
      from = quote + 2;
    }
  }
  for (let i = column + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      try {
        return { value: JSON.parse(text.slice(column, i + 1)) as string, end: i + 1 };
      } catch {
        decline();
      }
    }
    if (ch === '\\') {
      // JSON's escapes mean the same in YAML; YAML's others (\x, \e, \N, ...) are left to `yaml`.
      if (!JSON_ESCAPES.has(text[i + 1]!)) decline();
      i++;
    }
  }
  return decline();
}

const JSON_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't', 'u']);

/** A one-line flow collection (`[a, "b"]`, `{k: v}`, nested), as `yaml` reads it. */
class FlowReader {
  private depth = 0;

  constructor(
    private readonly text: string,
    public at: number,
  ) {}

  node(): unknown {
    const first = this.text[this.at];
    if (first === '[' || first === '{') {
      if (++this.depth > MAX_DEPTH) decline();
      const collection = first === '[' ? this.sequence() : this.mapping();
      this.depth--;
      return collection;
    }
    if (first === '"' || first === "'") {
      const quoted = quotedScalar(this.text, this.at);
      this.at = quoted.end;
      return quoted.value;
    }
    return this.plain().value;
  }

  private skipSpaces(): void {
    while (this.text.charCodeAt(this.at) === SPACE) this.at++;
  }

  /** Past the opening bracket; true when the collection closes at once (`[]`, `{}`). */
  private opens(close: string): boolean {
    this.at++;
    this.skipSpaces();
    if (this.text[this.at] !== close) return false;
    this.at++;
    return true;
  }

  /** After an entry: true past the closing bracket, false past a comma (a trailing comma is left to `yaml`). */
  private closesAfterEntry(close: string): boolean {
    this.skipSpaces();
    const ch = this.text[this.at++];
    if (ch === close) return true;
    if (ch !== ',') decline();
    return false;
  }

  private sequence(): unknown[] {
    const items: unknown[] = [];
    if (this.opens(']')) return items;
    do {
      this.skipSpaces();
      items.push(this.node());
    } while (!this.closesAfterEntry(']'));
    return items;
  }

  private mapping(): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    if (this.opens('}')) return map;
    do {
      this.skipSpaces();
      const first = this.text[this.at];
      let key: string;
      if (first === '"' || first === "'") {
        const quoted = quotedScalar(this.text, this.at);
        key = quoted.value;
        this.at = quoted.end;
      } else {
        const plain = this.plain();
        if (!plain.string) decline();
        key = plain.value as string;
      }
      if (this.text[this.at] !== ':' || this.text.charCodeAt(this.at + 1) !== SPACE) decline();
      if (Object.hasOwn(map, key) || SPECIAL_KEYS.has(key)) decline();
      this.at += 2;
      this.skipSpaces();
      map[key] = this.node();
    } while (!this.closesAfterEntry('}'));
    return map;
  }

  /** A plain scalar inside a flow collection: up to `,`, a bracket, `: ` or a comment. */
  private plain(): { value: unknown; string: boolean } {
    const { text } = this;
    const start = this.at;
    if (!startsPlain(text, start)) decline();
    let end = start;
    for (; end < text.length; end++) {
      const ch = text[end];
      if (ch === ',' || ch === '[' || ch === ']' || ch === '{' || ch === '}') break;
      if (ch === ':' && (end + 1 === text.length || text.charCodeAt(end + 1) === SPACE || text[end + 1] === ',')) break;
      if (ch === '#' && text.charCodeAt(end - 1) === SPACE) decline();
    }
    this.at = end;
    while (text.charCodeAt(end - 1) === SPACE) end--;
    if (end === start) decline();
    return resolvePlain(text.slice(start, end));
  }
}
