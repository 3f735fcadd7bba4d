/** The Component renders with kubectl's kustomize the ways docs/policy-pack.md tells users to include it. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asArray, asObject, type JsonObject } from '../../src/util/json.js';
import { findKubectl, kustomize } from '../deploy/kubectl.js';
import {
  checkObjects,
  describeProblems,
  DOC_PATH,
  ENFORCE_CONFIG,
  EXAMPLE_DIR,
  FIXTURES,
  kustomizationObjects,
  nameOf,
  packObjects,
  parseManifests,
  SECURITY_ADMIN,
  specOf,
} from './support.js';

const kubectl = findKubectl();
const pack = packObjects().map((object) => object.value);

function keyOf(object: JsonObject): string {
  const namespace = asObject(object['metadata'])?.['namespace'];
  return `${String(object['kind'])} ${typeof namespace === 'string' ? `${namespace}/` : ''}${nameOf(object)}`;
}

function render(dir: string): JsonObject[] {
  return parseManifests(kustomize(kubectl, dir), dir).map((object) => object.value);
}

function byKey(objects: readonly JsonObject[]): Map<string, JsonObject> {
  const map = new Map<string, JsonObject>();
  for (const object of objects) {
    assert.ok(!map.has(keyOf(object)), `${keyOf(object)} twice`);
    map.set(keyOf(object), object);
  }
  return map;
}

describe('kubectl kustomize', () => {
  test('renders the Component to exactly the pack’s objects, which ztgate admits', async () => {
    const rendered = render(join(FIXTURES, 'kustomize/component'));
    assert.deepEqual(byKey(rendered), byKey(pack));
    const run = await checkObjects(rendered, SECURITY_ADMIN);
    assert.equal(run.code, 0, describeProblems(run));
    assert.equal(run.summary.admitted, pack.length);
  });

  test('applies the node-address patch that docs/policy-pack.md shows, and the result is still admitted', async () => {
    const fixture = readFileSync(join(FIXTURES, 'kustomize/node-nets/kustomization.yaml'), 'utf8');
    const patch = fixture.slice(fixture.indexOf('patches:'));
    assert.ok(patch.startsWith('patches:'), 'the fixture has a patches block');
    assert.ok(readFileSync(DOC_PATH, 'utf8').includes(patch.trimEnd()), 'docs/policy-pack.md shows the same patch');

    const rendered = byKey(render(join(FIXTURES, 'kustomize/node-nets')));
    const expected = byKey(pack);
    assert.deepEqual([...rendered.keys()].sort(), [...expected.keys()].sort());
    for (const [key, object] of rendered) {
      if (key !== 'GlobalNetworkPolicy security.allow-kubelet-probes') assert.deepEqual(object, expected.get(key), key);
    }
    const probes = rendered.get('GlobalNetworkPolicy security.allow-kubelet-probes');
    assert.ok(probes);
    const source = asObject(asObject(asArray(specOf(probes)['ingress'])[0])?.['source']);
    assert.deepEqual(source, { nets: ['172.18.0.0/16'] });
    const run = await checkObjects([...rendered.values()], ['--config', ENFORCE_CONFIG, ...SECURITY_ADMIN]);
    assert.equal(run.code, 0, describeProblems(run));
  });

  test('includes the Component next to ztgate’s own deploy/ without changing either', () => {
    const rendered = byKey(render(join(FIXTURES, 'kustomize/with-ztgate')));
    for (const object of pack) assert.deepEqual(rendered.get(keyOf(object)), object, keyOf(object));
    assert.ok(rendered.has('Deployment ztgate-system/ztgate'), 'ztgate itself is rendered too');
  });

  test('renders the example application to exactly its files', () => {
    const rendered = render(EXAMPLE_DIR);
    assert.deepEqual(byKey(rendered), byKey(kustomizationObjects(EXAMPLE_DIR).map((object) => object.value)));
  });
});
