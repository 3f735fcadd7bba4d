import type { RE2JS } from '@bufbuild/re2';

/**
 * Leftmost-first (Perl/Go) matching with positions over RE2's compiled program. @bufbuild/re2 only
 * answers yes/no, but Kubernetes' find/findAll return the matched text, and a backtracking JS RegExp
 * would let one pattern stall admission. A Pike VM runs in O(input × program) and reports the charge
 * so the evaluation budget sees it.
 *
 * Opcodes and empty-width flags are RE2's (they are Go's regexp/syntax values, stable across ports).
 */
const ALT = 1;
const ALT_MATCH = 2;
const CAPTURE = 3;
const EMPTY_WIDTH = 4;
const MATCH = 6;
const NOP = 7;
const RUNE = 8;
const RUNE_ANY = 10;
const RUNE_ANY_NOT_NL = 11;

const EMPTY_BEGIN_LINE = 0x01;
const EMPTY_END_LINE = 0x02;
const EMPTY_BEGIN_TEXT = 0x04;
const EMPTY_END_TEXT = 0x08;
const EMPTY_WORD_BOUNDARY = 0x10;
const EMPTY_NO_WORD_BOUNDARY = 0x20;

interface Inst {
  op: number;
  out: number;
  arg: number;
  matchRune(rune: number): boolean;
}

function isWordRune(rune: number): boolean {
  return (rune >= 0x61 && rune <= 0x7a) || (rune >= 0x41 && rune <= 0x5a) || (rune >= 0x30 && rune <= 0x39) || rune === 0x5f;
}

function emptyContext(before: number, after: number): number {
  let flags = 0;
  if (before < 0) flags |= EMPTY_BEGIN_TEXT | EMPTY_BEGIN_LINE;
  if (before === 0x0a) flags |= EMPTY_BEGIN_LINE;
  if (after < 0) flags |= EMPTY_END_TEXT | EMPTY_END_LINE;
  if (after === 0x0a) flags |= EMPTY_END_LINE;
  flags |= isWordRune(before) === isWordRune(after) ? EMPTY_NO_WORD_BOUNDARY : EMPTY_WORD_BOUNDARY;
  return flags;
}

function runeAt(text: string, pos: number): number {
  return pos < text.length ? text.codePointAt(pos)! : -1;
}

function runeBefore(text: string, pos: number): number {
  if (pos <= 0) return -1;
  const low = text.charCodeAt(pos - 1);
  if (pos >= 2 && low >= 0xdc00 && low <= 0xdfff) {
    const high = text.charCodeAt(pos - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.codePointAt(pos - 2)!;
  }
  return low;
}

function width(rune: number): number {
  return rune > 0xffff ? 2 : 1;
}

function consumes(inst: Inst, rune: number): boolean {
  if (inst.op === RUNE_ANY) return true;
  if (inst.op === RUNE_ANY_NOT_NL) return rune !== 0x0a;
  return inst.matchRune(rune);
}

/** Threads in priority order; a pc already present keeps its (higher-priority) thread. */
class ThreadList {
  readonly pcs: number[] = [];
  readonly starts: number[] = [];
  private readonly seen: Int32Array;
  private generation = 1;

  constructor(size: number) {
    this.seen = new Int32Array(size);
  }

  clear(): void {
    this.pcs.length = 0;
    this.starts.length = 0;
    this.generation++;
  }

  visit(pc: number): boolean {
    if (this.seen[pc] === this.generation) return false;
    this.seen[pc] = this.generation;
    return true;
  }
}

export class PikeMatcher {
  private readonly inst: Inst[];
  private readonly start: number;

  constructor(regex: RE2JS) {
    const prog = regex.re2().prog;
    this.inst = prog.inst as unknown as Inst[];
    this.start = prog.start;
  }

  /** Follows empty transitions from pc at pos, appending rune and match threads in priority order. */
  private add(list: ThreadList, pc: number, start: number, context: number): void {
    const stack: number[] = [pc];
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (!list.visit(current)) continue;
      const inst = this.inst[current]!;
      switch (inst.op) {
        case ALT:
        case ALT_MATCH:
          // out has priority over arg: push arg first so out is explored first.
          stack.push(inst.arg, inst.out);
          break;
        case NOP:
        case CAPTURE:
          stack.push(inst.out);
          break;
        case EMPTY_WIDTH:
          if ((inst.arg & ~context) === 0) stack.push(inst.out);
          break;
        case MATCH:
          list.pcs.push(current);
          list.starts.push(start);
          break;
        default:
          if (inst.op >= RUNE && inst.op <= RUNE_ANY_NOT_NL) {
            list.pcs.push(current);
            list.starts.push(start);
          }
      }
    }
  }

  /**
   * The leftmost-first match starting the search at `from`, as [start, end) in UTF-16 units, or
   * undefined. `onSteps` receives the work done, for the budget.
   */
  exec(text: string, from: number, onSteps: (steps: number) => void): [number, number] | undefined {
    let current = new ThreadList(this.inst.length);
    let next = new ThreadList(this.inst.length);
    let matched: [number, number] | undefined;
    let pos = from;
    let steps = 0;
    for (;;) {
      const rune = runeAt(text, pos);
      if (!matched) this.add(current, this.start, pos, emptyContext(runeBefore(text, pos), rune));
      if (matched && current.pcs.length === 0) break;
      const after = rune < 0 ? pos : pos + width(rune);
      const nextContext = emptyContext(rune, runeAt(text, after));
      for (let i = 0; i < current.pcs.length; i++) {
        const inst = this.inst[current.pcs[i]!]!;
        const start = current.starts[i]!;
        if (inst.op === MATCH) {
          matched = [start, pos];
          break; // leftmost-first: lower-priority threads are cut off
        }
        if (rune >= 0 && consumes(inst, rune)) this.add(next, inst.out, start, nextContext);
      }
      steps += current.pcs.length + 1;
      if (steps >= 1024) {
        onSteps(steps);
        steps = 0;
      }
      if (rune < 0) break;
      pos = after;
      [current, next] = [next, current];
      next.clear();
    }
    onSteps(steps);
    return matched;
  }
}

/** Go's FindAllString: successive non-overlapping matches; an empty match right after a match is skipped. */
export function findAll(matcher: PikeMatcher, text: string, limit: number, onSteps: (steps: number) => void): string[] {
  const out: string[] = [];
  let prevEnd = -1;
  let pos = 0;
  while ((limit < 0 || out.length < limit) && pos <= text.length) {
    const match = matcher.exec(text, pos, onSteps);
    if (!match) break;
    const [start, end] = match;
    let accept = true;
    if (end === pos) {
      if (start === prevEnd) accept = false;
      const rune = runeAt(text, pos);
      pos += rune < 0 ? 1 : width(rune);
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push(text.slice(start, end));
  }
  return out;
}
