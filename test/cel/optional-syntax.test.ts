import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from '@bufbuild/cel';
import { markOptionalSyntax, OPT_HAS, OPT_INDEX, OPT_SELECT, OptionalSyntaxError, parseWithOptionals } from '../../src/cel/optional-syntax.js';
import type { Expr } from '../../src/cel/ast.js';

/** Where the blanked `?`s were, and what each followed. */
const MARKED: { source: string; markers: [number, string][] }[] = [
  { source: 'a.?b', markers: [[2, '.']] },
  { source: 'a.?b.?c[?0]', markers: [[2, '.'], [5, '.'], [8, '[']] },
  { source: 'a. ?b', markers: [[3, '.']] },
  { source: 'a ? b : c', markers: [] },
  { source: 'a[0] ? b[1] : c.d', markers: [] },
  { source: 'x ?y:z', markers: [] },
  { source: "'a.?b' + \"[?c]\"", markers: [] },
  { source: "'''x.?y\n[?z]''' + a.?b", markers: [[20, '.']] },
  { source: "'it\\'s.?' + a.?b", markers: [[14, '.']] },
  { source: "r'\\' + a.?b", markers: [[9, '.']] },
  { source: "R\"\\\" + a.?b", markers: [[9, '.']] },
  { source: "rb'\\' + a.?b", markers: [[10, '.']] },
  { source: "b'\\'.?' + a.?b", markers: [[12, '.']] },
  { source: "hr'x' + a.?b", markers: [[10, '.']] },
  { source: "'unterminated.?", markers: [] },
  { source: "a.?b // it's c.?d", markers: [[2, '.']] },
  { source: "a.?b // it's c.?d\n&& e[?0]", markers: [[2, '.'], [23, '[']] },
  { source: "'//' + a.?b", markers: [[9, '.']] },
  { source: '[?x, ?y]', markers: [[1, '['], [5, ',']] },
  { source: "{?'k': v}", markers: [[1, '{']] },
];

describe('finding the optional syntax in a source', () => {
  for (const { source, markers } of MARKED) {
    test(JSON.stringify(source), () => {
      const marked = markOptionalSyntax(source);
      assert.deepEqual(
        marked.markers.map(({ at, after }) => [at, after]),
        markers,
      );
      // Only the markers change, each to a space: every offset, so every error position, stays the user's.
      assert.equal(marked.text.length, source.length + (marked.text.endsWith('\n') && !source.endsWith('\n') ? 1 : 0));
      assert.ok(marked.text.startsWith(source.replace(/\?/g, (q, i: number) => (markers.some(([at]) => at === i) ? ' ' : q))));
      const changed = [...source].flatMap((ch, i) => (ch === marked.text[i] ? [] : [i]));
      assert.deepEqual(changed, markers.map(([at]) => at));
      for (const [at] of markers) assert.equal(source[at], '?');
    });
  }
});

function callsIn(expr: Expr | undefined, found: string[] = []): string[] {
  if (!expr) return found;
  const kind = expr.exprKind;
  if (kind.case === 'callExpr') {
    found.push(kind.value.function);
    callsIn(kind.value.target, found);
    for (const arg of kind.value.args) callsIn(arg, found);
  } else if (kind.case === 'selectExpr') {
    found.push(kind.value.testOnly ? `has .${kind.value.field}` : `.${kind.value.field}`);
    callsIn(kind.value.operand, found);
  }
  return found;
}

describe('what the optional syntax becomes', () => {
  const REWRITES: { source: string; calls: string[] }[] = [
    { source: 'a.?b', calls: [OPT_SELECT] },
    { source: 'a.b.?c.d', calls: [OPT_SELECT, OPT_SELECT, '.b'] },
    { source: 'a[?k][0]', calls: [OPT_INDEX, OPT_INDEX] },
    { source: 'a[k][?0]', calls: [OPT_INDEX, '_[_]'] },
    { source: 'has(a.?b.c)', calls: [OPT_HAS, OPT_SELECT] },
    { source: 'has(a.b.c)', calls: ['has .c', '.b'] },
    { source: 'optional.of(a).b', calls: [OPT_SELECT, 'of'] },
    { source: 'optional.none()[0]', calls: [OPT_INDEX, 'none'] },
    { source: 'x.or(y).z', calls: [OPT_SELECT, 'or'] },
    { source: '(c ? optional.of(a) : optional.none()).b', calls: [OPT_SELECT, '_?_:_', 'of', 'none'] },
    { source: '(c ? a : optional.none()).b', calls: ['.b', '_?_:_', 'none'] },
    { source: 'a.b.c', calls: ['.c', '.b'] },
  ];
  for (const { source, calls } of REWRITES) {
    test(source, () => {
      assert.deepEqual(callsIn(parseWithOptionals(source).expr), calls);
    });
  }

  test('an expression without optionals parses exactly as the library parses it', () => {
    for (const source of ['a.b[0].c', "has(a.b) && x.all(i, i.f == 'v')", "{'k': [1, 2u, 3.5]}", 'a ? b.c : d[e]']) {
      assert.deepEqual(parseWithOptionals(source), parse(source));
    }
  });

  const REFUSED: { source: string; message: RegExp }[] = [
    { source: 'has(a.?b)', message: /^line 1, column 7: optional selection \.\? cannot be used here/ },
    { source: 'f(a, ?b)', message: /^line 1, column 6: an optional entry \(\?x\) can only stand in a list or map literal/ },
    { source: '{a: [b, c], ?d: e}.x(1, ?f)', message: /^line 1, column 25: an optional entry/ },
  ];
  for (const { source, message } of REFUSED) {
    test(`refuses ${JSON.stringify(source)} with its position`, () => {
      assert.throws(() => parseWithOptionals(source), (error: unknown) => error instanceof OptionalSyntaxError && message.test(error.message));
    });
  }

  const ENTRIES: { source: string; list?: number[]; map?: boolean[] }[] = [
    { source: '[?a]', list: [0] },
    { source: '[a, ?b, c, ?d]', list: [1, 3] },
    { source: '[a,\n ?b]', list: [1] },
    { source: "[f(x, y), ?g('a,b', [c, ?d]), e]", list: [1] },
    { source: "['?', ?x // a, ?b\n, y]", list: [1] },
    { source: "{?'k': v}", map: [true] },
    { source: "{'a': [1, 2], ?'b': {'c': d}, 'e': f}", map: [false, true, false] },
  ];
  for (const { source, list, map } of ENTRIES) {
    test(`marks the optional entries of ${JSON.stringify(source)}`, () => {
      const kind = parseWithOptionals(source).expr!.exprKind;
      if (list) {
        assert.equal(kind.case, 'listExpr');
        assert.deepEqual(kind.case === 'listExpr' ? kind.value.optionalIndices : undefined, list);
      } else {
        assert.equal(kind.case, 'structExpr');
        assert.deepEqual(kind.case === 'structExpr' ? kind.value.entries.map((entry) => entry.optionalEntry) : undefined, map);
      }
    });
  }

  test("the parser's own errors pass through", () => {
    assert.throws(() => parseWithOptionals('a.?'), (error: unknown) => !(error instanceof OptionalSyntaxError) && /<input>:1:/.test(String(error)));
  });
});
