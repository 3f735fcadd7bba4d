import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify, type ToStringOptions } from 'yaml';
import { parseDocuments, parseWithYaml } from '../../src/cli/input.js';
import { readPlainYaml } from '../../src/offline/plain-yaml.js';

/** What `yaml` alone makes of the text: the documents, or the error message. */
function reference(text: string): unknown {
  try {
    return parseWithYaml(text, 'input.yaml');
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

/** The fast reader either declines or gives exactly what `yaml` gives; true when it answered. */
function agrees(text: string): boolean {
  const fast = readPlainYaml(text);
  if (fast === undefined) return false;
  assert.deepEqual(fast, reference(text), `the fast reader differs from yaml on ${JSON.stringify(text)}`);
  return true;
}

/** Handled by the fast reader (and equal to yaml's reading): the shapes manifests are written in. */
const HANDLED: [string, string][] = [
  ['one mapping', 'apiVersion: v1\nkind: Pod\n'],
  ['nested mappings and sequences', 'a:\n  b:\n    - 1\n    - x\n  c: {}\nd: []\n'],
  ['a sequence at the indentation of its key', 'spec:\n  containers:\n  - name: a\n    image: b\n  - name: c\n'],
  ['sequence entries holding mappings, nested blocks and empty items', '- a: 1\n  b:\n    c: 2\n-\n  - x\n- \n- y\n'],
  ['core-schema scalars', 'a: true\nb: False\nc: ~\nd: null\ne: 0o17\nf: 0x1F\ng: -12\nh: +3\ni: 1.5\nj: .inf\nk: -.Inf\nl: .nan\nm: 1e3\nn: 007\no: 1_000\np: yes\nq: 0b1\n'],
  ['strings that look like other things', 'a: "true"\nb: \'1\'\nc: --flag=1\nd: -x\ne: a:b\nf: http://x:80/y\ng: a#b\nh: 10.0.0.0/8\ni: "*.example.com"\n'],
  ['quoted scalars with escapes', 'a: "x\\ty\\n\\"z\\" \\u00e9 \\/"\nb: \'it\'\'s\'\nc: ""\nd: \'\'\n\'q k\': 1\n"d k": 2\n'],
  ['comments everywhere', '# head\na: 1 # trailing\n  # indented comment\nb: # before a block\n  c: 2\n\n# between\nd: [1, 2] # after flow\n'],
  ['literal and folded block scalars', 'a: |\n  line 1\n    indented\n\n  line 3\nb: |-\n  x\nc: >\n  folded\n  text\nd: >-\n  one\n  two\ne: |\n  trailing blank lines\n\n\nf: 1\n'],
  ['flow collections on one line', 'a: [1, "two", \'three\', {b: c, d: [e]}, []]\nb: {x: 1, "y": [2, 3], z: {}}\n'],
  ['documents, markers, empty documents and indices', '# c\n---\na: 1\n---\n---\n# only a comment\n---\nb: 2\n...\nc: 3\n...\n---\nd: 4\n'],
  ['a document marker with a trailing comment', '--- # first\na: 1\n--- \nb: 2\n'],
  ['unicode', 'name: "é😀"\nlabel: ünïcödé\nemoji: 😀\n'],
  ['empty text and only comments', '# nothing here\n\n'],
  ['a root sequence and a root scalar document', '- a\n- b\n---\njust text\n'],
];

/** Outside the subset: left to yaml, which gives the same result it always gave (or its error). */
const DECLINED: [string, string][] = [
  ['anchors and aliases', 'a: &x 1\nb: *x\n'],
  ['tags', 'a: !!str 1\n'],
  ['duplicate keys', 'kind: Pod\nkind: Deployment\n'],
  ['__proto__', '__proto__: {polluted: true}\n'],
  ['a merge key', '<<: {a: 1}\n'],
  ['a multi-line plain scalar', 'a: one\n  two\n'],
  ['a multi-line quoted scalar', 'a: "one\n  two"\n'],
  ['a multi-line flow collection', 'a: [1,\n  2]\n'],
  ['tabs', 'a:\n\tb: 1\n'],
  ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
  ['a directive', '%YAML 1.2\n---\na: 1\n'],
  ['keep chomping', 'a: |+\n  x\n\n'],
  ['an indentation indicator', 'a: |2\n   x\n'],
  ['folded text with more-indented lines', 'a: >\n  x\n    y\n'],
  ['an explicit key', '? a\n: 1\n'],
  ['a non-string key', '1: a\n'],
  ['a compact nested sequence', '- - a\n'],
  ['YAML-only escapes', 'a: "\\x41"\n'],
  ['content after a document marker', '--- a: 1\n'],
  ['a nested mapping in a compact value', 'a: b: c\n'],
  ['broken YAML', 'apiVersion: v1\nmetadata:\n  name: [unclosed\n'],
];

describe('the fast YAML reader', () => {
  for (const [name, text] of HANDLED) {
    test(`handles ${name}, exactly as yaml reads it`, () => {
      assert.ok(agrees(text), 'handled, not declined');
    });
  }
  for (const [name, text] of DECLINED) {
    test(`leaves ${name} to yaml`, () => {
      assert.equal(readPlainYaml(text), undefined);
      let viaParseDocuments: unknown;
      try {
        viaParseDocuments = parseDocuments(text, 'input.yaml');
      } catch (error) {
        viaParseDocuments = `error: ${(error as Error).message}`;
      }
      assert.deepEqual(viaParseDocuments, reference(text));
    });
  }

  test('reports the line each document starts on and its index, empty documents counted', () => {
    const text = '\n# lead\n\nkind: A\n---\nkind: B\n---\n---\n\nkind: D\n...\n\nkind: E\n';
    assert.deepEqual(
      readPlainYaml(text)?.map(({ index, line }) => ({ index, line })),
      [
        { index: 0, line: 4 },
        { index: 1, line: 5 },
        { index: 3, line: 8 },
        { index: 4, line: 13 },
      ],
    );
  });
});

/** Fixed seed and bounded runs: a failure reproduces, and the suite takes the same time every run. */
const RUNS = { seed: 20261123, numRuns: 600 };

/** Keys and scalars that sit on the edges of the grammar: indicators, lookalikes, quotes, unicode. */
const KEYS = ['name', 'app.kubernetes.io/name', 'a b', 'x-y', '-x', 'a:b', 'a#b', 'é', 'true', '1', '', ' lead', 'trail ', '#c', 'k: v', '"q"', "'s'", '[x]', '~'];
const STRINGS = [
  'web', '', ' ', ' lead', 'trail ', 'true', 'False', 'null', '~', '1', '-1', '0o17', '0x1F', '1e3', '.inf', '1.0', '007', '1_000', 'yes',
  'a: b', 'a:b', 'a #b', 'a#b', '#c', '- x', '-x', '--flag=1', '? q', ': c', '*a', '&a', '!t', '%p', '@a', '`b', '|', '>', "'", '"', "it's", 'say "hi"',
  '[a]', '{a: 1}', 'a, b', 'back\\slash', 'tab\there', 'line\nbreak', 'two\n\nbreaks\n', 'trailing\n', '\nleading', '  indented\nline', 'é😀', '---', '...', 'x\u0085y', 'x\u2028y',
];
const scalar = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
);
const { value: manifestValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 5 }),
  ),
}));
const stringifyOptions: fc.Arbitrary<ToStringOptions> = fc.record({
  indent: fc.constantFrom(2, 4),
  indentSeq: fc.boolean(),
  lineWidth: fc.constantFrom(0, 20, 80),
  defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'),
  defaultKeyType: fc.constantFrom(null, 'PLAIN'),
  collectionStyle: fc.constantFrom('any', 'block', 'flow'),
  flowCollectionPadding: fc.boolean(),
}) as fc.Arbitrary<ToStringOptions>;
const separator = fc.constantFrom('---\n', '---\n\n', '# next\n---\n', '--- # c\n', '...\n---\n', '...\n');
const stream = fc
  .tuple(fc.array(fc.tuple(manifestValue, stringifyOptions), { minLength: 1, maxLength: 4 }), separator)
  .map(([docs, sep]) => docs.map(([value, options]) => stringify(value, options)).join(sep));

describe('the fast YAML reader against yaml (differential)', () => {
  test('on what yaml writes, in every style: the same documents, indices and lines, or a decline', () => {
    let handled = 0;
    fc.assert(
      fc.property(stream, (text) => {
        if (agrees(text)) handled++;
      }),
      RUNS,
    );
    // Not only declines: most of yaml's own output is within the subset.
    assert.ok(handled > RUNS.numRuns / 4, `handled ${handled} of ${RUNS.numRuns}`);
  });

  test('on damaged text: never an answer yaml would not give', () => {
    const fragment = fc.constantFrom(' ', '  ', '\n', '\n  ', '- ', ': ', ':', '#', ' #', '"', "'", '[', ']', '{', '}', ',', '|', '>-', '---\n', '...\n', '&a ', '*a', '!x ', '? ', '\\', 'é', 'true', '1', '-');
    const damaged = fc
      .tuple(stream, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fragment), { minLength: 1, maxLength: 4 }))
      .map(([text, edits]) => {
        let out = text;
        for (const [at, drop, insert] of edits) {
          const position = at % (out.length + 1);
          out = out.slice(0, position) + insert + out.slice(position + drop);
        }
        return out;
      });
    fc.assert(
      fc.property(damaged, (text) => {
        agrees(text);
      }),
      { ...RUNS, numRuns: 3000 },
    );
  });

  test("on the repository's own YAML files", () => {
    const files = execFileSync('git', ['ls-files', '*.yaml', '*.yml'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    assert.ok(files.length > 20, 'the repository has YAML files to read');
    const handled = files.filter((file) => agrees(readFileSync(file, 'utf8')));
    assert.ok(handled.length > files.length / 2, `handled ${handled.length} of ${files.length}`);
  });
});

describe('nesting', () => {
  test('deep nesting is left to yaml, which refuses a few hundred levels; shallower nesting is read', () => {
    const deep = (levels: number): string[] => [
      `${'['.repeat(levels)}${']'.repeat(levels)}`,
      `${'{a: '.repeat(levels)}1${'}'.repeat(levels)}`,
      `${Array.from({ length: levels }, (_, i) => `${' '.repeat(i)}a:`).join('\n')} 1`,
      `${Array.from({ length: levels }, (_, i) => `${' '.repeat(2 * i)}- `).join('\n')}x`,
    ];
    for (const text of deep(1000)) assert.equal(readPlainYaml(text), undefined);
    for (const text of deep(50)) assert.ok(agrees(text), text.slice(0, 40));
  });
});
