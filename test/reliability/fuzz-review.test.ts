/**
 * The hostile-input corpus for the AdmissionReview decoder and the review core, in-process and through
 * the HTTP app. Fixed seed and bounded runs in CI; ZTGATE_FUZZ_RUNS=N (and ZTGATE_FUZZ_SEED) for longer
 * runs. Every body runs in a worker thread, so a hang fails the test instead of stalling CI.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CaseGroup, CaseResult } from './fuzz/http-hostile.js';
import type { FuzzStats } from './fuzz/review-core.js';
import { fuzzRuns, fuzzSeed, inWorker } from './support/in-worker.js';

const CORE = new URL('./fuzz/review-core.ts', import.meta.url);
const HTTP = new URL('./fuzz/http-hostile.ts', import.meta.url);
const seed = fuzzSeed();
/** Watchdogs against a hang (scaled with the runs asked for), not speed targets. */
const watchdog = (runs: number): number => 120_000 + runs * 100;

describe('review core under random and mutated input (in-process runReview)', { concurrency: true }, () => {
  const cases: [string, string, number][] = [
    ['random JSON and random envelopes around real objects', 'randomBodies', fuzzRuns(2000)],
    ['structured mutations of real reviews (dropped, replaced, retyped, wrapped fields; hostile keys and numbers)', 'mutatedReviews', fuzzRuns(2000)],
    ['fields the decoder does not read (__proto__, response, allowed...) leave the answer byte-identical', 'envelopeNoise', fuzzRuns(1000)],
  ];
  for (const [title, name, runs] of cases) {
    test(`${title}: no throw, no decision for a refused envelope, uid echoed, input untouched, no pollution`, async () => {
      const stats = await inWorker<FuzzStats>(CORE, name, watchdog(runs), { runs, seed });
      assert.equal(stats.inputs >= runs, true, `${stats.inputs} inputs checked`);
    });
  }
});

describe('hostile bodies through the HTTP app', { concurrency: 2 }, () => {
  const groups: [CaseGroup, string][] = [
    ['pollution', '__proto__ and constructor keys grant nothing and pollute no prototype'],
    ['duplicates', 'duplicate keys: the last one wins, as in the API server’s Go decoder'],
    ['numbers', 'numbers beyond 2^53, 1e400 and other spellings of the proxy UID'],
    ['depth', '10,000 levels of nesting in every part of a review'],
    ['size', 'huge arrays and maps, 7 MiB bodies and beyond'],
    ['encoding', 'invalid UTF-8, overlong encodings, lone surrogates, BOM, wrong media type'],
  ];
  for (const [group, title] of groups) {
    test(`${title}: each answered (decided or a coded 4xx), and the next review still served`, async () => {
      const results = await inWorker<CaseResult[]>(HTTP, 'hostileGroup', watchdog(0), group);
      assert.ok(results.length > 0);
      for (const result of results) assert.ok(result.status < 500, `${result.name}: ${result.status}`);
    });
  }

  test('random bytes, random JSON and byte-damaged real reviews: never a 5xx, never a decision without a valid envelope', async () => {
    const runs = fuzzRuns(600);
    const result = await inWorker<{ inputs: number; statuses: Record<string, number> }>(HTTP, 'randomPayloads', watchdog(runs), { runs, seed });
    assert.deepEqual(Object.keys(result.statuses).filter((status) => Number(status) >= 500), []);
    assert.ok((result.statuses['400'] ?? 0) > 0, 'refusals are reached');
  });
});

test('memory returns to its baseline after the hostile bodies have gone through the app twice more', async () => {
  const { baselineBytes, afterBytes, processedBytes } = await inWorker<{ baselineBytes: number; afterBytes: number; processedBytes: number }>(
    HTTP,
    'heapAfterHostileRounds',
    watchdog(0) * 2,
    2,
  );
  const MiB = 1024 * 1024;
  // Keeping even two of the 7 MiB bodies (or a few of the 10,000-level trees) would break this bound.
  const BOUND = 16 * MiB;
  assert.ok(processedBytes > 100 * MiB, `the rounds pushed ${Math.round(processedBytes / MiB)} MiB through the app`);
  assert.ok(
    afterBytes - baselineBytes < BOUND,
    `heap after gc grew from ${(baselineBytes / MiB).toFixed(1)} MiB to ${(afterBytes / MiB).toFixed(1)} MiB over ${Math.round(processedBytes / MiB)} MiB of hostile input (bound ${BOUND / MiB} MiB)`,
  );
});
