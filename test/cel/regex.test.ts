import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCelError } from '@bufbuild/cel';
import fc from 'fast-check';
import { DEFAULT_LIMITS } from '../../src/cel/budget.js';
import { compileExpression } from '../../src/cel/compile.js';
import { PikeMatcher } from '../../src/cel/lib/pike.js';
import { compileRegex } from '../../src/cel/lib/regex.js';
import { plain } from './support.js';

function evaluate(source: string): unknown {
  const compiled = compileExpression(source, 'expr', { limits: DEFAULT_LIMITS, variables: new Map() });
  assert.ok(compiled.ok, compiled.ok ? '' : compiled.message);
  const result = compiled.expression.evaluate({});
  assert.ok(!isCelError(result), isCelError(result) ? result.message : '');
  return plain(result);
}

const quote = (text: string): string => JSON.stringify(text);

/** Expected results are Go's regexp FindString / FindAllString, which Kubernetes' find and findAll use. */
const FIND: [text: string, pattern: string, expected: string][] = [
  ['ab', 'a|ab', 'a'],
  ['ab', 'ab|a', 'ab'],
  ['aaa', 'a+?', 'a'],
  ['aaa', 'a*', 'aaa'],
  ['baaa', 'a*', ''],
  ['xay', 'a|', ''],
  ['foo bar', '\\bbar', 'bar'],
  ['foobar', '\\bbar', ''],
  ['foobar', '\\Bbar', 'bar'],
  ['ABC', '(?i)b', 'B'],
  ['abcabc', 'c$', 'c'],
  ['line1\nline2', '(?m)^line2$', 'line2'],
  ['x😀y', '.y', '😀y'],
  ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab', '(a+)+$', ''],
  ['registry.example.com/app:1.2', ':[^:/]+$', ':1.2'],
];

const FIND_ALL: [text: string, pattern: string, limit: number | undefined, expected: string[]][] = [
  ['abc', '', undefined, ['', '', '', '']],
  ['a,b', '[^,]*', undefined, ['a', 'b']],
  ['x\ny', '(?m)^.', undefined, ['x', 'y']],
  ['😀a😀', '.', undefined, ['😀', 'a', '😀']],
  ['ÄbÄ', 'Ä', undefined, ['Ä', 'Ä']],
  ['aaa', 'a', 2, ['a', 'a']],
  ['aaa', 'a', 0, []],
  ['aaa', 'a', -1, ['a', 'a', 'a']],
  ['k1=v1,k2=v2', '[a-z0-9]+=', undefined, ['k1=', 'k2=']],
];

describe('find (leftmost-first, with positions)', () => {
  for (const [text, pattern, expected] of FIND) {
    test(`${quote(text)}.find(${quote(pattern)})`, () => {
      assert.equal(evaluate(`${quote(text)}.find(${quote(pattern)})`), expected);
    });
  }
});

describe('findAll', () => {
  for (const [text, pattern, limit, expected] of FIND_ALL) {
    const call = `${quote(text)}.findAll(${quote(pattern)}${limit === undefined ? '' : `, ${limit}`})`;
    test(call, () => assert.deepEqual(evaluate(call), expected));
  }
});

describe('compiled regex cache', () => {
  test('a pattern is compiled once and reused', () => {
    assert.equal(compileRegex('^cache-me-[0-9]+$'), compileRegex('^cache-me-[0-9]+$'));
  });

  test('syntax RE2 rejects is an error naming the pattern', () => {
    assert.throws(() => compileRegex('(?<=x)y'), /invalid regular expression "\(\?<=x\)y"/);
  });

  test('patterns longer than the limit are refused', () => {
    assert.throws(() => compileRegex('a'.repeat(5000)), /longer than/);
  });
});

/**
 * JavaScript's RegExp is also leftmost-first, so for patterns without empty loops (where Perl-style
 * engines differ) the first match must be the same text at the same place.
 */
describe('find agrees with a backtracking engine on small patterns', () => {
  const atom = fc.constantFrom('a', 'b', 'c', '.', '[ab]', '[^a]', '\\b', '^', '$');
  const quantified = fc.tuple(fc.constantFrom('a', 'b', '.', '[bc]'), fc.constantFrom('', '*', '+', '?', '*?', '+?', '??', '{1,2}')).map(([a, q]) => a + q);
  const sequence = fc.array(fc.oneof(atom, quantified), { minLength: 1, maxLength: 4 }).map((parts) => parts.join(''));
  const alternation = fc.array(sequence, { minLength: 1, maxLength: 3 }).map((alts) => alts.join('|'));
  const pattern = fc.oneof(alternation, fc.tuple(alternation, sequence).map(([group, rest]) => `(${group})${rest}`));
  const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', ' '), maxLength: 12 });

  test('same first match as RegExp', () => {
    fc.assert(
      fc.property(pattern, text, (source, input) => {
        const js = new RegExp(source).exec(input);
        const match = new PikeMatcher(compileRegex(source).regex).exec(input, 0, () => {});
        const ours = match ? { index: match[0], text: input.slice(match[0], match[1]) } : undefined;
        assert.deepEqual(ours, js ? { index: js.index, text: js[0] } : undefined, `pattern ${source} on ${JSON.stringify(input)}`);
      }),
      { numRuns: 500 },
    );
  });
});
