/**
 * Hostile input for the loaders that read user text: the YAML loader (`ztgate check/test/review`,
 * `--namespaces`), the CEL rule loader, the Calico selector parser and the JSON Patch builder. Fixed seed
 * and bounded runs; ZTGATE_FUZZ_RUNS=N for longer runs. Each body runs in a worker with a watchdog.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PatchShape, RuleOutcome, YamlOutcome } from './fuzz/loaders.js';
import { YAML_SHAPES } from './fuzz/loaders.js';
import { fuzzRuns, fuzzSeed, inWorker } from './support/in-worker.js';

const LOADERS = new URL('./fuzz/loaders.ts', import.meta.url);
const seed = fuzzSeed();
const watchdog = (runs: number): number => 60_000 + runs * 100;

const YAML_WATCHDOG_MS = 20_000;
/** Was quadratic in yaml's own uniqueKeys check (about 30 s); the linear check takes about a second. */
const MANY_KEYS = 'a document of 50,000 anchored keys (anchors take it past the plain-YAML fast path)';
const MANY_KEYS_WATCHDOG_MS = 8_000;

describe('YAML loader (parseDocuments)', { concurrency: true }, () => {
  const healthy = Object.keys(YAML_SHAPES).filter((name) => name !== MANY_KEYS);
  test(`hostile shapes are parsed or refused with INPUT_YAML naming the file, in bounded time: ${healthy.join('; ')}`, async () => {
    const outcomes = await inWorker<YamlOutcome[]>(LOADERS, 'yamlShapes', YAML_WATCHDOG_MS * 3, healthy);
    for (const outcome of outcomes) {
      assert.notEqual(outcome.result, 'other', `${outcome.name}: ${outcome.message}`);
      if (outcome.result === 'INPUT_YAML') assert.match(outcome.message, /^hostile\.yaml:\d+(:\d+)?: /, outcome.name);
    }
    const byName = new Map(outcomes.map((outcome) => [outcome.name, outcome]));
    assert.equal(byName.get('duplicate keys')?.result, 'INPUT_YAML', 'duplicate keys are refused, not resolved silently');
    assert.equal(byName.get('flow sequences nested 10,000 deep')?.result, 'INPUT_YAML');
    assert.equal(byName.get('20,000 documents')?.result, 'parsed');
  });

  test('billion laughs is never expanded: a coded INPUT_YAML error naming the file', async () => {
    const [outcome] = await inWorker<YamlOutcome[]>(LOADERS, 'yamlShapes', YAML_WATCHDOG_MS, ['billion laughs (aliases of aliases, 10^9 strings if expanded)']);
    assert.equal(outcome!.result, 'INPUT_YAML', outcome!.message);
    assert.match(outcome!.message, /^hostile\.yaml:\d+: .*alias/i);
  });

  test('50,000 anchored keys are parsed within the watchdog (the duplicate-key check is linear)', async () => {
    const [outcome] = await inWorker<YamlOutcome[]>(LOADERS, 'yamlShapes', MANY_KEYS_WATCHDOG_MS, [MANY_KEYS]);
    assert.equal(outcome!.result, 'parsed', outcome!.message);
  });

  test('random text and damaged manifests: parsed or refused with INPUT_YAML, nothing else escapes', async () => {
    const runs = fuzzRuns(1500);
    const result = await inWorker<{ inputs: number; other: YamlOutcome[] }>(LOADERS, 'yamlRandom', watchdog(runs), { runs, seed });
    assert.deepEqual(result.other, []);
  });
});

describe('CEL rule loader (parseRules)', { concurrency: true }, () => {
  test('huge, deeply nested and unicode expressions load or become one load error naming the expression; the loader never throws', async () => {
    const outcomes = await inWorker<RuleOutcome[]>(LOADERS, 'celShapes', watchdog(0));
    const byName = new Map(outcomes.map((outcome) => [outcome.name, outcome]));
    assert.match(byName.get('1 MB of expression')!.message, /1000008 characters long; the limit is 5000/);
    assert.equal(byName.get('parentheses nested 10,000 deep')!.loaded, false);
    assert.equal(byName.get('an unterminated string')!.loaded, false);
    assert.equal(byName.get('unicode: RTL override, zero-width joiner, emoji and NUL in a string')!.loaded, true);
    assert.match(byName.get('selections 30,000 deep with the limits at their maximum')!.message, /.+/);
  });

  test('random text and grammar fragments: a rule or a load error, never a throw', async () => {
    const runs = fuzzRuns(2000);
    const result = await inWorker<{ inputs: number; loaded: number }>(LOADERS, 'celRandom', watchdog(runs), { runs, seed });
    assert.ok(result.loaded > 0, 'some random expressions are valid, so the generator reaches past the parser');
  });
});

describe('Calico selectors (beyond test/calico/selector-fuzz.test.ts)', { concurrency: true }, () => {
  test('1 MB selectors, 100,000-deep parentheses and negations, 100,000-character labels and unicode values: parsed or ParseError', async () => {
    const results = await inWorker<{ name: string; result: string }[]>(LOADERS, 'selectorShapes', watchdog(0));
    for (const { name, result } of results) assert.ok(result === 'parsed' || result === 'ParseError', `${name}: ${result}`);
    assert.equal(results.find((r) => r.name === '1 MB of selector')!.result, 'ParseError');
  });

  test('labels named constructor, toString, __proto__... are ordinary labels, present only when set', async () => {
    await inWorker(LOADERS, 'selectorPrototypeLabels', watchdog(0));
  });

  test('the compiled-selector cache stays bounded under 10,000 distinct selectors', async () => {
    assert.ok((await inWorker<number>(LOADERS, 'selectorCacheBound', watchdog(0))) <= 2048);
  });
});

describe('JSON Patch builder (diffPatch)', { concurrency: true }, () => {
  test('random and related object pairs: the patch rebuilds the target exactly (keys with / ~ and __proto__ included), the original is untouched', async () => {
    const runs = fuzzRuns(2000);
    await inWorker(LOADERS, 'patchRoundTrip', watchdog(runs), { runs, seed });
  });

  test('200,000-element arrays, 100,000 keys and 10,000 levels: a patch that rebuilds the target, linear in the change for arrays', async () => {
    const shapes = await inWorker<PatchShape[]>(LOADERS, 'patchShapes', watchdog(0) * 2);
    const byName = new Map(shapes.map((shape) => [shape.name, shape]));
    assert.equal(byName.get('200,000 elements, one changed in the middle')!.operations, 1);
    assert.equal(byName.get('200,000 elements, one inserted at the front (the worst case for an edit-distance diff)')!.operations, 1);
  });
});
