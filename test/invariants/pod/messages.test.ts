import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { denialMessages, review, type ReviewOptions } from './fixtures.js';
import type { JsonObject } from '../../../src/util/json.js';

/**
 * Golden denial messages: each testdata/messages/X.yaml (`object` plus review options) is decided
 * with the default config and its messages compared with X.golden. UPDATE_GOLDEN=1 rewrites them.
 */
const DIR = new URL('./testdata/messages/', import.meta.url);
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const inputs = readdirSync(DIR).filter((file) => file.endsWith('.yaml')).sort();

describe('golden denial messages', () => {
  test('there are inputs, and no golden file without one', () => {
    assert.ok(inputs.length > 0);
    const stale = readdirSync(DIR).filter((file) => file.endsWith('.golden') && !inputs.includes(file.replace(/\.golden$/, '.yaml')));
    assert.deepEqual(stale, [], 'delete golden files whose input is gone');
  });

  for (const file of inputs) {
    test(file, () => {
      const { object, ...options } = parse(readFileSync(new URL(file, DIR), 'utf8')) as ReviewOptions & { object: JsonObject };
      const verdict = review(object, options);
      const actual = `${denialMessages(verdict).join('\n')}\n`;
      const golden = new URL(file.replace(/\.yaml$/, '.golden'), DIR);
      if (UPDATE) writeFileSync(golden, actual);
      assert.ok(existsSync(golden), `${golden.pathname} is missing: run with UPDATE_GOLDEN=1`);
      assert.equal(actual, readFileSync(golden, 'utf8'));
      assert.ok(verdict.denials.length > 0, 'a golden case should be denied');
    });
  }
});
