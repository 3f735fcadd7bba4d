import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flatMapArray } from '../../src/util/arrays.js';

test('flatMapArray gives what Array.prototype.flatMap gives: order, empty results, indexes, one level only', () => {
  const cases: [string, unknown[], (item: never, index: number) => readonly unknown[]][] = [
    ['no items', [], () => [1]],
    ['every item to nothing', [1, 2, 3], () => []],
    ['one to many, in order', [1, 2, 3], (n: number) => Array.from({ length: n }, (_, i) => `${n}.${i}`)],
    ['the index is passed', ['a', 'b'], (s: string, index: number) => [`${s}${index}`]],
    ['nested arrays stay nested', [1], () => [[1, 2], [3]]],
    ['holes in results become undefined like flatMap', [1], () => [undefined, null]],
  ];
  for (const [name, items, map] of cases) {
    assert.deepEqual(flatMapArray(items as never[], map), (items as never[]).flatMap(map), name);
  }
});
