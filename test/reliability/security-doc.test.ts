/**
 * docs/security.md backs every claim with a test, written `[test: `file` › `name`]`. This checks that
 * each named test still exists (its name appears, outside comments, in the file named) and that no
 * bullet of the document makes a claim without a test or an explicit *External:* source.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO } from './support/serve.js';

const DOC = readFileSync(join(REPO, 'docs/security.md'), 'utf8');
const REFERENCE = /\[test: `([^`]+)` › `([^`]+)`\]/g;
const references = [...DOC.matchAll(REFERENCE)].map((match) => ({ file: match[1]!, name: match[2]! }));

/** The file's text without comment lines, so a name that survives only in a comment does not count. */
function codeOf(file: string): string {
  return readFileSync(join(REPO, file), 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/\*\*?|\*)/.test(line))
    .join('\n');
}

describe('docs/security.md', () => {
  test('names its tests in the [test: `file` › `name`] form', () => {
    assert.ok(references.length >= 60, `${references.length} references`);
  });

  test('every test it names exists in the file it names', () => {
    const missing = references.filter(({ file, name }) => !file.startsWith('test/') || !existsSync(join(REPO, file)) || !codeOf(file).includes(name));
    assert.deepEqual(missing, [], 'named tests that no longer exist (rename them here, or restore the test)');
  });

  test('every claim (each bullet) names a test or says it is external', () => {
    const bullets = DOC.split(/\n(?=- |\n)/).filter((block) => block.startsWith('- '));
    assert.ok(bullets.length > 30);
    const backed = /\[test: `[^`]+` › `[^`]+`\]/;
    const unbacked = bullets.filter((bullet) => !backed.test(bullet.replace(/\n\s*/g, ' ')) && !bullet.includes('*External:*'));
    assert.deepEqual(unbacked.map((bullet) => bullet.slice(0, 120)), []);
  });
});
