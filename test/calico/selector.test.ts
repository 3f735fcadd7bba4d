import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSelector, ParseError, parseSelector, printSelector, selectorCacheSize, selectorOf } from '../../src/calico/selector/index.js';

const LONG_LABEL = 'a'.repeat(512);
const TOO_LONG_LABEL = 'a'.repeat(513);
const nested = (depth: number): string => `${'('.repeat(depth)}a == "b"${')'.repeat(depth)}`;

/** [input, canonical form] — canonical forms follow Calico's printer. */
const VALID: [string, string][] = [
  ['a == "b"', 'a == "b"'],
  ['a=="b"', 'a == "b"'],
  ["a == 'b'", 'a == "b"'],
  ['a != "b"', 'a != "b"'],
  ["a!='b'", 'a != "b"'],
  ['has(a)', 'has(a)'],
  ['has( a )', 'has(a)'],
  ['has(\ta\t)', 'has(a)'],
  ['!has(a)', '!has(a)'],
  ['! has(a)', '!has(a)'],
  ['!!has(a)', 'has(a)'],
  ['!!!has(a)', '!has(a)'],
  ['! ! has(a)', 'has(a)'],
  ['all()', 'all()'],
  ['all( )', 'all()'],
  ['', 'all()'],
  ['   ', 'all()'],
  ['\t', 'all()'],
  ['global()', 'global()'],
  ['global(\t)', 'global()'],
  ['(all())', 'all()'],
  ['((a == "b"))', 'a == "b"'],
  ['a in {"x"}', 'a in {"x"}'],
  ['a in {"y", "x"}', 'a in {"x", "y"}'],
  ['a in {"x", "x"}', 'a in {"x"}'],
  ['a in {}', 'a in {}'],
  ['a not in {}', 'a not in {}'],
  ['a notin {"x"}', 'a not in {"x"}'],
  ['a not   in {"x"}', 'a not in {"x"}'],
  ['a not\tin {"x"}', 'a not in {"x"}'],
  ['a in {"x",}', 'a in {"x"}'],
  ['a in{"x"}', 'a in {"x"}'],
  ['a in {"b","a"}', 'a in {"a", "b"}'],
  ['a contains "x"', 'a contains "x"'],
  ['a contains"x"', 'a contains "x"'],
  ['a startswith "x"', 'a starts with "x"'],
  ['a starts with "x"', 'a starts with "x"'],
  ['a starts  with "x"', 'a starts with "x"'],
  ["a endswith 'x'", 'a ends with "x"'],
  ['a ends with "x"', 'a ends with "x"'],
  ['a == "x" && b == "y"', '(a == "x" && b == "y")'],
  ['a == "x" || b == "y"', '(a == "x" || b == "y")'],
  ['a == "x" && b == "y" && c == "z"', '(a == "x" && b == "y" && c == "z")'],
  ['a == "x" || b == "y" && c == "z"', '(a == "x" || (b == "y" && c == "z"))'],
  ['(a == "x" || b == "y") && c == "z"', '((a == "x" || b == "y") && c == "z")'],
  ['a == "x" && (b == "y" && c == "z")', '(a == "x" && (b == "y" && c == "z"))'],
  ['!(a == "x")', '!a == "x"'],
  ['!(a == "x" && b == "y")', '!(a == "x" && b == "y")'],
  ['!!(a == "x" || b == "y")', '(a == "x" || b == "y")'],
  ['!(!has(a))', '!!has(a)'],
  ['a == \'"\'', 'a == \'"\''],
  ['a == "\'"', 'a == "\'"'],
  ['a in {\'"\', "\'"}', 'a in {\'"\', "\'"}'],
  ['a == ""', 'a == ""'],
  ['a == " spaced value "', 'a == " spaced value "'],
  ['a == "x\ty"', 'a == "x\ty"'],
  ['a == "line\nbreak"', 'a == "line\nbreak"'],
  ['projectcalico.org/name == "x"', 'projectcalico.org/name == "x"'],
  ['calico/k8s_ns == "kube-system"', 'calico/k8s_ns == "kube-system"'],
  ['k8s-app in {"dns", "api"}', 'k8s-app in {"api", "dns"}'],
  ['a.b/c-d_e == "v"', 'a.b/c-d_e == "v"'],
  ['-a == "x"', '-a == "x"'],
  ['1 == "x"', '1 == "x"'],
  ['contains contains "contains"', 'contains contains "contains"'],
  ['in in {"in"}', 'in in {"in"}'],
  ['has(has)', 'has(has)'],
  ['all == "x"', 'all == "x"'],
  ['global == "x"', 'global == "x"'],
  ['has == "x"', 'has == "x"'],
  ['a == "x"&&b == "y"', '(a == "x" && b == "y")'],
  ['a == "x"||b == "y"', '(a == "x" || b == "y")'],
  ['(a == "x")||(b == "y")', '(a == "x" || b == "y")'],
  ['a in {"b"} && !has(c) || d not in {"e"}', '((a in {"b"} && !has(c)) || d not in {"e"})'],
  ['!a in {"x"}', '!a in {"x"}'],
  ['a in {"Z", "a", "B"}', 'a in {"B", "Z", "a"}'],
  ['a in {"é", "z"}', 'a in {"z", "é"}'],
  ['a in {"😀", "ｚ"}', 'a in {"ｚ", "😀"}'],
  ['a == "x" && all()', '(a == "x" && all())'],
  ['global() || all()', '(global() || all())'],
  [`${LONG_LABEL} == "x"`, `${LONG_LABEL} == "x"`],
  ['has(a/b.c-d_e)', 'has(a/b.c-d_e)'],
  [nested(100), 'a == "b"'],
];

/** [input, error position] — positions are 0-based character indexes. */
const INVALID: [string, number][] = [
  ['b', 1],
  ['a ', 2],
  ['a b', 2],
  ['a = "b"', 2],
  ['a == b', 5],
  ['a == "b', 5],
  ['a == \'b"', 5],
  ['a == "b" &', 9],
  ['a == "b" |', 9],
  ['a == "b" & has(c)', 9],
  ['!', 1],
  ['(', 1],
  ['()', 1],
  [')', 0],
  ['(a == "b"', 9],
  ['a == "b")', 8],
  ['%', 0],
  ['a == "b" && %', 12],
  ['has()', 4],
  ['has(a', 5],
  ['has( a ', 7],
  ['has(a b)', 6],
  ['all(', 4],
  ['all(x)', 4],
  ['global(', 7],
  ['a in "x"', 5],
  ['a in {"x" "y"}', 10],
  ['a in {,}', 6],
  ['a in {"x",,}', 10],
  ['a in {"x"', 9],
  ['a inf {"x"}', 2],
  ['a starts "x"', 2],
  ['a ends foo "x"', 2],
  ['a not "x"', 2],
  ['a squiggles "x"', 2],
  ["'b1' == b", 0],
  ['== "b"', 0],
  ['a == "b" c == "d"', 9],
  ['a == "b" && ', 12],
  ['&& a == "b"', 0],
  ['a == "b" || || b == "c"', 12],
  ['a == "x"\n', 8],
  ['é == "x"', 0],
  [`${TOO_LONG_LABEL} == "x"`, 0],
  [`has(${TOO_LONG_LABEL})`, 4],
  [`a == "${'x'.repeat(4100)}"`, 4096],
  [nested(101), 100],
  ['a == "b" !', 9],
  ['a ! = "b"', 4],
  ['a in {"x"} && has(b', 19],
  ['a == "x" && b', 13],
  ['!(a == "x"', 10],
];

/** [selector, labels, expected] — Calico semantics: `!=` and `not in` match absent labels. */
const MATCHES: [string, Record<string, string>, boolean][] = [
  ['a == "x"', { a: 'x' }, true],
  ['a == "x"', { a: 'y' }, false],
  ['a == "x"', {}, false],
  ['a == "x"', { b: 'x' }, false],
  ['a != "x"', {}, true],
  ['a != "x"', { a: 'x' }, false],
  ['a != "x"', { a: 'y' }, true],
  ['a in {"x", "y"}', { a: 'y' }, true],
  ['a in {"x", "y"}', { a: 'z' }, false],
  ['a in {"x", "y"}', {}, false],
  ['a not in {"x"}', {}, true],
  ['a not in {"x"}', { a: 'x' }, false],
  ['a not in {"x"}', { a: 'z' }, true],
  ['has(a)', { a: '' }, true],
  ['has(a)', {}, false],
  ['!has(a)', {}, true],
  ['!has(a)', { a: 'x' }, false],
  ['a contains "ell"', { a: 'hello' }, true],
  ['a contains "ell"', { a: 'help' }, false],
  ['a contains "ell"', {}, false],
  ['a starts with "he"', { a: 'hello' }, true],
  ['a starts with "he"', { a: 'ahe' }, false],
  ['a ends with "lo"', { a: 'hello' }, true],
  ['a ends with "lo"', { a: 'lol' }, false],
  ['a contains ""', { a: 'x' }, true],
  ['a contains ""', {}, false],
  ['all()', {}, true],
  ['all()', { x: 'y' }, true],
  ['global()', {}, true],
  ['', { a: 'b' }, true],
  ['a == "x" && b == "y"', { a: 'x', b: 'y' }, true],
  ['a == "x" && b == "y"', { a: 'x' }, false],
  ['a == "x" || b == "y"', { b: 'y' }, true],
  ['a == "x" || b == "y"', {}, false],
  ['!(a == "x" || b == "y")', {}, true],
  ['!(a == "x" || b == "y")', { a: 'x' }, false],
  ['!a == "x"', {}, true],
  ['!a == "x"', { a: 'x' }, false],
  ['!a == "x"', { a: 'y' }, true],
  ['constructor == "x"', {}, false],
  ['constructor == "x"', { constructor: 'x' }, true],
  ['has(toString)', {}, false],
  ['a in {}', { a: 'x' }, false],
  ['a in {}', {}, false],
  ['a not in {}', {}, true],
  ['a not in {}', { a: 'x' }, true],
  ['(a == "x" || a == "y") && !has(b)', { a: 'y' }, true],
  ['(a == "x" || a == "y") && !has(b)', { a: 'y', b: 'z' }, false],
  ['k8s-app == "kube-dns" && calico/k8s_ns == "kube-system"', { 'k8s-app': 'kube-dns', 'calico/k8s_ns': 'kube-system' }, true],
  ['a == "é"', { a: 'é' }, true],
  ["a == 'x\"y'", { a: 'x"y' }, true],
  ['!!has(a)', { a: 'x' }, true],
];

/** [selector, matches every label set] — a sound check: true only when it provably holds. */
const EVERYTHING: [string, boolean][] = [
  ['', true],
  ['all()', true],
  ['global()', true],
  ['has(a) || !has(a)', true],
  ['!has(a) || has(a)', true],
  ['a == "x" || a != "x"', true],
  ['a in {"x"} || a not in {"x"}', true],
  ['a not in {}', true],
  ['!(a in {})', true],
  ['!(has(a) && !has(a))', true],
  ['has(a) || has(b) || !has(a)', true],
  ['(has(a) || !has(a)) && all()', true],
  ['a in {"x", "y"} || a != "x"', true],
  ['has(a) || a not in {"x"}', true],
  ['has(a)', false],
  ['a != "x"', false],
  ['!has(a)', false],
  ['a == "x" || b != "y"', false],
  ['all() && has(a)', false],
  ['a contains "x" || !has(a)', false],
];

describe('selector parser', () => {
  for (const [input, canonical] of VALID) {
    test(`parses ${JSON.stringify(input.slice(0, 60))}`, () => {
      const node = parseSelector(input);
      assert.equal(printSelector(node), canonical);
      // Reprinting converges after one round (Calico prints `!(!x)` as `!!x`, which reparses as `x`).
      const again = printSelector(parseSelector(canonical));
      assert.equal(printSelector(parseSelector(again)), again);
    });
  }

  for (const [input, position] of INVALID) {
    test(`rejects ${JSON.stringify(input.slice(0, 60))} at ${position}`, () => {
      assert.throws(
        () => parseSelector(input),
        (error: unknown) => error instanceof ParseError && error.position === position && error.message.endsWith(`at position ${position}`),
      );
      const result = compileSelector(input);
      assert.equal(result.ok, false);
    });
  }

  test('names the problem in the error', () => {
    assert.throws(() => parseSelector('a == b'), /expected a quoted string, found label "b" at position 5/);
    assert.throws(() => parseSelector(nested(101)), /parentheses nested deeper than 100 at position 100/);
    assert.throws(() => parseSelector('a'.repeat(5000)), /selector is 5000 characters long; the limit is 4096/);
  });
});

describe('selector evaluation', () => {
  for (const [selector, labels, expected] of MATCHES) {
    test(`${JSON.stringify(selector)} on ${JSON.stringify(labels)} is ${expected}`, () => {
      assert.equal(selectorOf(selector).matches(labels), expected);
    });
  }
});

describe('matchesEverything', () => {
  for (const [selector, expected] of EVERYTHING) {
    test(`${JSON.stringify(selector)} → ${expected}`, () => {
      assert.equal(selectorOf(selector).matchesEverything, expected);
    });
  }

  test('matchesNothing is the dual', () => {
    assert.equal(selectorOf('a in {}').matchesNothing, true);
    assert.equal(selectorOf('has(a) && !has(a)').matchesNothing, true);
    assert.equal(selectorOf('a == "x" && a == "y"').matchesNothing, true);
    assert.equal(selectorOf('has(a)').matchesNothing, false);
    assert.equal(selectorOf('').matchesNothing, false);
  });
});

describe('selector cache', () => {
  test('returns the same compiled selector for the same text', () => {
    const first = compileSelector('app == "cache-test"');
    const second = compileSelector('app == "cache-test"');
    assert.ok(first.ok && second.ok);
    assert.equal(first.selector, second.selector);
  });

  test('evicts the least recently used entry, not the oldest one used', () => {
    const kept = compileSelector('kept == "recently used"');
    const dropped = compileSelector('dropped == "not used again"');
    for (let i = 0; i < 2100; i++) {
      compileSelector(`filler == "${i}"`);
      if (i % 100 === 0) compileSelector('kept == "recently used"');
    }
    assert.equal(compileSelector('kept == "recently used"'), kept);
    assert.notEqual(compileSelector('dropped == "not used again"'), dropped);
  });

  test('stays bounded however many distinct selectors it sees', () => {
    for (let i = 0; i < 5000; i++) compileSelector(`n == "${i}"`);
    assert.ok(selectorCacheSize() <= 2048, `cache holds ${selectorCacheSize()} entries`);
  });
});

test('the tables meet the issue’s size (≥150 cases)', () => {
  const total = VALID.length + INVALID.length + MATCHES.length + EVERYTHING.length;
  assert.ok(total >= 150, `only ${total} cases`);
});
