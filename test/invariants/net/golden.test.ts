/**
 * Golden verdicts for whole reviews: each `golden/<case>.yaml` (request options and object) has a
 * `golden/<case>.verdict.json` with what ztgate answers. UPDATE_GOLDEN=1 rewrites the expectations.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Operation } from '../../../src/admission/types.js';
import { denialLine } from '../../../src/engine/messages.js';
import type { JsonObject } from '../../../src/util/json.js';
import { review } from './support.js';

const DIR = new URL('./golden/', import.meta.url);
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

interface GoldenInput {
  operation?: Operation;
  user?: { username: string; groups: string[] };
  object: JsonObject;
  oldObject?: JsonObject;
}

function verdictOf(input: GoldenInput): JsonObject {
  const options = { operation: input.operation ?? 'CREATE', ...(input.user ? { user: input.user } : {}), ...(input.oldObject ? { oldObject: input.oldObject } : {}) };
  const verdict = review(input.object, options);
  return {
    allowed: verdict.allowed,
    denials: verdict.denials.map(denialLine),
    warnings: verdict.warnings,
    auditAnnotations: verdict.auditAnnotations,
  };
}

const files = readdirSync(DIR);
const inputs = files.filter((file) => file.endsWith('.yaml')).sort();

describe('golden verdicts', () => {
  test('the directory has cases, and no expectation without its input', () => {
    assert.ok(inputs.length > 0);
    const stale = files.filter((file) => file.endsWith('.verdict.json') && !inputs.includes(file.replace(/\.verdict\.json$/, '.yaml')));
    assert.deepEqual(stale, [], 'stale golden files: delete them or restore their inputs');
  });

  for (const file of inputs) {
    test(file, () => {
      const input = parse(readFileSync(new URL(file, DIR), 'utf8')) as GoldenInput;
      const actual = `${JSON.stringify(verdictOf(input), null, 2)}\n`;
      const goldenUrl = new URL(file.replace(/\.yaml$/, '.verdict.json'), DIR);
      if (UPDATE) writeFileSync(goldenUrl, actual);
      assert.ok(existsSync(goldenUrl), `missing ${file.replace(/\.yaml$/, '.verdict.json')}; run with UPDATE_GOLDEN=1`);
      assert.equal(actual, readFileSync(goldenUrl, 'utf8'));
    });
  }
});
