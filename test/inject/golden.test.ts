import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyPatch } from 'rfc6902';
import { UsageError } from '../../src/cli/command.js';
import { injectText } from '../../src/cli/inject.js';
import { ZtgateError } from '../../src/errors.js';
import { diffPatch } from '../../src/patch/diff.js';
import { fixtureConfig, yamlDocuments } from './helpers.js';

/**
 * Golden fixtures: testdata/<name>.yaml is injected as `ztgate inject` does it and compared with
 * <name>.yaml.injected (or, when injection is refused, the message in <name>.yaml.error).
 * UPDATE_GOLDEN=1 rewrites the golden files from the current output.
 */

const DIR = fileURLToPath(new URL('./testdata/', import.meta.url));
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const config = fixtureConfig();
const inputs = readdirSync(DIR)
  .filter((file) => file.endsWith('.yaml'))
  .sort();

interface Outcome {
  output?: string;
  error?: string;
}

function inject(text: string, name: string): Outcome {
  try {
    return { output: injectText(text, name, config, []) };
  } catch (error) {
    if (error instanceof UsageError || error instanceof ZtgateError) return { error: `${error.message}\n` };
    throw error;
  }
}

test('there are at least 15 fixtures', () => {
  assert.ok(inputs.length >= 15, `only ${inputs.length} fixtures in ${DIR}`);
});

test('no golden file is stale and every fixture has exactly one', () => {
  const goldens = readdirSync(DIR).filter((file) => file.endsWith('.injected') || file.endsWith('.error'));
  for (const golden of goldens) {
    const input = golden.replace(/\.(injected|error)$/, '');
    assert.ok(inputs.includes(input), `${golden} has no input ${input}`);
  }
  for (const input of inputs) {
    const count = [`${input}.injected`, `${input}.error`].filter((file) => goldens.includes(file)).length;
    assert.equal(count, 1, `${input} needs exactly one of ${input}.injected or ${input}.error`);
  }
});

for (const input of inputs) {
  describe(input, () => {
    const text = readFileSync(`${DIR}${input}`, 'utf8');
    const outcome = inject(text, input);
    const [golden, actual] = outcome.error !== undefined ? [`${input}.error`, outcome.error] : [`${input}.injected`, outcome.output!];

    test('matches its golden file', () => {
      if (UPDATE) {
        for (const stale of [`${input}.injected`, `${input}.error`]) if (stale !== golden && existsSync(`${DIR}${stale}`)) unlinkSync(`${DIR}${stale}`);
        writeFileSync(`${DIR}${golden}`, actual);
      }
      assert.ok(existsSync(`${DIR}${golden}`), `${golden} is missing (run with UPDATE_GOLDEN=1)`);
      assert.equal(actual, readFileSync(`${DIR}${golden}`, 'utf8'));
    });

    if (outcome.output === undefined) return;
    const before = yamlDocuments(text);
    const after = yamlDocuments(outcome.output);

    test('injecting the output again changes nothing', () => {
      const again = inject(outcome.output!, input);
      assert.equal(again.error, undefined);
      assert.deepEqual(yamlDocuments(again.output!), after);
    });

    test('the RFC 6902 patch applied to the input gives the output', () => {
      assert.equal(after.length, before.length);
      before.forEach((original, i) => {
        const patch = diffPatch(original, after[i]!);
        const patched = structuredClone(original);
        const errors = applyPatch(patched, patch).filter((error) => error !== null);
        assert.deepEqual(errors, []);
        assert.deepEqual(patched, after[i]);
      });
    });
  });
}
