import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseAllDocumentsWithUniqueKeys, parseYamlWithUniqueKeys } from '../../src/util/yaml-unique-keys.js';

/** Every case is also run through yaml's own (quadratic) check: the two must agree on which text is refused. */
const CASES: Array<{ name: string; text: string; duplicate: boolean }> = [
  { name: 'distinct keys', text: 'a: 1\nb: 2\n', duplicate: false },
  { name: 'repeated top-level key', text: 'a: 1\nb: 2\na: 3\n', duplicate: true },
  { name: 'repeated key in a nested map', text: 'spec:\n  x: 1\n  x: 2\n', duplicate: true },
  { name: 'same key in sibling maps', text: 'a:\n  x: 1\nb:\n  x: 2\n', duplicate: false },
  { name: 'repeated key in a flow map', text: '{a: 1, a: 2}\n', duplicate: true },
  { name: 'repeated key in a map inside a list', text: '- a: 1\n  a: 2\n', duplicate: true },
  { name: 'quoted and plain spelling of one string', text: 'a: 1\n"a": 2\n', duplicate: true },
  { name: 'number 1 and string "1" differ', text: '1: a\n"1": b\n', duplicate: false },
  { name: 'two empty keys', text: '? \n: 1\n? \n: 2\n', duplicate: true },
  { name: 'repeated merge key', text: 'base: &b {x: 1}\nm:\n  <<: *b\n  <<: *b\n', duplicate: true },
  { name: 'true and "true" differ', text: 'true: 1\n"true": 2\n', duplicate: false },
];

describe('linear duplicate-key check agrees with yaml uniqueKeys', () => {
  for (const { name, text, duplicate } of CASES) {
    test(name, () => {
      const reference = parseAllDocuments(text, { uniqueKeys: true });
      const referenceErrors = (Array.isArray(reference) ? reference : []).flatMap((document) => document.errors.map((error) => error.code));
      assert.equal(referenceErrors.includes('DUPLICATE_KEY'), duplicate, 'the table matches yaml itself');
      const errors = parseAllDocumentsWithUniqueKeys(text).flatMap((document) => document.errors);
      assert.equal(errors.some((error) => error.code === 'DUPLICATE_KEY'), duplicate);
      if (duplicate) assert.equal(errors.find((error) => error.code === 'DUPLICATE_KEY')!.message, 'Map keys must be unique');
    });
  }

  test('the error points at the repeated key', () => {
    const text = 'a: 1\nspec:\n  x: 1\n  x: 2\n';
    const [document] = parseAllDocumentsWithUniqueKeys(text);
    const [error] = document!.errors;
    assert.equal(text.slice(error!.pos[0]).startsWith('x: 2'), true);
  });

  test('a duplicate in the second document is found', () => {
    const documents = parseAllDocumentsWithUniqueKeys('a: 1\n---\nb: 1\nb: 2\n');
    assert.equal(documents[0]!.errors.length, 0);
    assert.equal(documents[1]!.errors[0]?.code, 'DUPLICATE_KEY');
  });

  test('parseYamlWithUniqueKeys throws on a duplicate and returns the value otherwise', () => {
    assert.throws(() => parseYamlWithUniqueKeys('a: 1\na: 2'), /Map keys must be unique/);
    assert.deepEqual(parseYamlWithUniqueKeys('a: 1\nb: [1, 2]'), { a: 1, b: [1, 2] });
  });

  test('50,000 keys with one repeated at the end are refused (the shape that was quadratic)', () => {
    const lines = Array.from({ length: 50_000 }, (_, index) => `k${index}: &a${index} ${index}`);
    lines.push('k7: again');
    const [document] = parseAllDocumentsWithUniqueKeys(lines.join('\n'));
    assert.equal(document!.errors[0]?.code, 'DUPLICATE_KEY');
  });
});
