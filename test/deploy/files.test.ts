import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_NAMESPACE } from '../../src/manifests/names.js';
import { CRD_FILES, DEFAULT_IMAGE, deployFiles } from '../../src/manifests/render.js';

// deploy/ is generated from the renderer (UPDATE_GOLDEN=1 rewrites it), so `ztgate manifests` and
// `kubectl kustomize deploy/` cannot drift apart.
const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

/** Files of the base; a subdirectory with its own kustomization.yaml is a separate kustomization. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (!entry.isDirectory()) return [relative(DEPLOY, path)];
    return existsSync(join(path, 'kustomization.yaml')) ? [] : listFiles(path);
  });
}

describe('deploy/ is the renderer output', () => {
  const expected = deployFiles({ namespace: DEFAULT_NAMESPACE, image: DEFAULT_IMAGE });
  if (UPDATE) {
    for (const [file, text] of expected) {
      mkdirSync(dirname(join(DEPLOY, file)), { recursive: true });
      writeFileSync(join(DEPLOY, file), text);
    }
  }

  for (const [file, text] of expected) {
    test(file, () => {
      assert.equal(readFileSync(join(DEPLOY, file), 'utf8'), text, `deploy/${file} is stale: run UPDATE_GOLDEN=1 node --import tsx --test test/deploy/files.test.ts`);
    });
  }

  test('no stale files', () => {
    const known = new Set([...expected.keys(), ...CRD_FILES]);
    const stale = listFiles(DEPLOY).filter((file) => !known.has(file));
    assert.deepEqual(stale, [], 'files in deploy/ that neither the renderer nor the CRD issue writes');
  });

  test('the image tag follows the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(DEFAULT_IMAGE.split(':').at(-1), pkg.version);
  });
});
