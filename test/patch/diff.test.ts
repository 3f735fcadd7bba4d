import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyPatch } from 'rfc6902';
import { diffPatch, escapePointerToken } from '../../src/patch/diff.js';
import type { JsonObject, JsonValue } from '../../src/util/json.js';

function applied(original: JsonObject, patch: ReturnType<typeof diffPatch>): JsonObject {
  const copy = structuredClone(original);
  const errors = applyPatch(copy, patch as never).filter((error) => error !== null);
  assert.deepEqual(errors, [], 'every operation applies');
  return copy;
}

const CASES: { name: string; from: JsonObject; to: JsonObject; ops: unknown[] }[] = [
  { name: 'no change', from: { a: 1 }, to: { a: 1 }, ops: [] },
  { name: 'add a key needing escapes', from: { metadata: {} }, to: { metadata: { 'sidecar.istio.io/status': '{}', 'a~b': 'x' } }, ops: [
    { op: 'add', path: '/metadata/sidecar.istio.io~1status', value: '{}' },
    { op: 'add', path: '/metadata/a~0b', value: 'x' },
  ] },
  { name: 'append a container', from: { c: [{ n: 'app' }] }, to: { c: [{ n: 'app' }, { n: 'istio-proxy' }] }, ops: [{ op: 'add', path: '/c/1', value: { n: 'istio-proxy' } }] },
  { name: 'prepend an init container', from: { c: [{ n: 'a' }] }, to: { c: [{ n: 'p' }, { n: 'a' }] }, ops: [{ op: 'add', path: '/c/0', value: { n: 'p' } }] },
  { name: 'rewrite a nested field in place', from: { c: [{ n: 'a', p: { port: 80 } }] }, to: { c: [{ n: 'a', p: { port: 15020 } }] }, ops: [{ op: 'replace', path: '/c/0/p/port', value: 15020 }] },
  { name: 'remove a key', from: { a: 1, b: 2 }, to: { a: 1 }, ops: [{ op: 'remove', path: '/b' }] },
  { name: 'type change', from: { a: [1] }, to: { a: { x: 1 } }, ops: [{ op: 'replace', path: '/a', value: { x: 1 } }] },
  { name: 'remove the middle', from: { a: [1, 2, 3, 4] }, to: { a: [1, 4] }, ops: [{ op: 'remove', path: '/a/2' }, { op: 'remove', path: '/a/1' }] },
];

describe('diffPatch', () => {
  for (const { name, from, to, ops } of CASES) {
    test(name, () => {
      const patch = diffPatch(from, to);
      assert.deepEqual(patch, ops);
      assert.deepEqual(applied(from, patch), to);
    });
  }
  test('escapes pointer tokens', () => {
    assert.equal(escapePointerToken('a/b~c'), 'a~1b~0c');
  });
  test('a 200,000-element array with one element added costs one operation (linear, not quadratic)', () => {
    const big = Array.from({ length: 200_000 }, (_, i) => ({ name: `v${i}` }));
    const patch = diffPatch({ volumes: big }, { volumes: [...big, { name: 'istio-envoy' }] });
    assert.deepEqual(patch, [{ op: 'add', path: '/volumes/200000', value: { name: 'istio-envoy' } }]);
  });
  test('applying the diff of any two JSON objects gives the second (property, fixed seed)', () => {
    const json = fc.jsonValue({ maxDepth: 4 }).filter((v) => !JSON.stringify(v).includes('"__proto__"')) as fc.Arbitrary<JsonValue>;
    // `__proto__` is an ordinary key to the API server's Go patcher, but JS assignment in the test's own
    // patch applier would set a prototype instead; keys like it are covered by the hostile-input suite.
    const key = fc.string({ maxLength: 4 }).filter((k) => k !== '__proto__');
    const object = fc.dictionary(key, json, { maxKeys: 5, noNullPrototype: true }) as fc.Arbitrary<JsonObject>;
    fc.assert(
      fc.property(object, object, (from, to) => {
        assert.deepEqual(applied(from, diffPatch(from, to)), to);
      }),
      { seed: 20261123, numRuns: 500 },
    );
  });
});
