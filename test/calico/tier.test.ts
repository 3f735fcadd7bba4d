import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runsBefore, tierOrderOf, type TierPosition } from '../../src/calico/tier.js';

const at = (name: string, order?: number): TierPosition => ({ name, order });

/** [first, second, does first run before second] — Calico's TierSpec.order: ascending, omitted last, ties by name. */
const ORDERING: [TierPosition, TierPosition, boolean][] = [
  [at('a', 1), at('b', 2), true],
  [at('b', 2), at('a', 1), false],
  [at('z', 1), at('a', 2), true],
  [at('a', 1.5), at('b', 1.25), false],
  [at('a', -5), at('b', 0), true],
  [at('a', 100), at('security', 100), true],
  [at('zoo', 100), at('security', 100), false],
  [at('a'), at('b', 1_000_000), false],
  [at('b', 1_000_000), at('a'), true],
  [at('a'), at('b'), true],
  [at('b'), at('a'), false],
];

for (const [first, second, expected] of ORDERING) {
  test(`${first.name}@${first.order ?? 'none'} runs before ${second.name}@${second.order ?? 'none'}: ${expected}`, () => {
    assert.equal(runsBefore(first, second), expected);
  });
}

test('spec.order is read as a finite number; anything else is Calico’s omitted order', () => {
  assert.equal(tierOrderOf({ spec: { order: 100 } }), 100);
  assert.equal(tierOrderOf({ spec: { order: 0 } }), 0);
  assert.equal(tierOrderOf({ spec: { order: '100' } }), undefined);
  assert.equal(tierOrderOf({ spec: {} }), undefined);
  assert.equal(tierOrderOf(undefined), undefined);
});
