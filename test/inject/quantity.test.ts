import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalQuantity } from '../../src/inject/quantity.js';

/** Canonical forms as Kubernetes' resource.Quantity prints them. */
const CASES: [string, string | undefined][] = [
  ['100m', '100m'],
  ['1000m', '1'],
  ['4000m', '4'],
  ['1500m', '1500m'],
  ['0.5', '500m'],
  ['2', '2'],
  ['1000', '1k'],
  ['1500', '1500'],
  ['0', '0'],
  ['0.0', '0'],
  ['128Mi', '128Mi'],
  ['1024Mi', '1Gi'],
  ['2048Mi', '2Gi'],
  ['1536Mi', '1536Mi'],
  ['0.5Gi', '512Mi'],
  ['1.5Gi', '1536Mi'],
  ['512', '512'],
  ['0.5Ki', '512'],
  ['1G', '1G'],
  ['1000M', '1G'],
  ['1e3', '1e3'],
  ['1E6', '1e6'],
  ['12e2', '1200'],
  ['1n', '1n'],
  ['0.0000000001', '1n'],
  ['-100m', '-100m'],
  ['+2', '2'],
  ['.5', '500m'],
  ['1.', '1'],
  ['', undefined],
  ['abc', undefined],
  ['1.2.3', undefined],
  ['1Kb', undefined],
  ['m', undefined],
  ['1 Gi', undefined],
];

describe('canonicalQuantity', () => {
  for (const [input, expected] of CASES) {
    test(`${JSON.stringify(input)} → ${expected ?? 'invalid'}`, () => {
      assert.equal(canonicalQuantity(input), expected);
    });
  }
});
