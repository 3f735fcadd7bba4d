import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applyPatch } from 'rfc6902';
import { mutateObject } from '../../src/inject/admission.js';
import { diffPatch } from '../../src/patch/diff.js';
import { arbitraryPod as pod, fixtureConfig, podObject, podRequest } from './helpers.js';

/**
 * Whatever Pod arrives, the webhook answers (never throws), its patch reproduces the mutated Pod, and
 * a second pass over its own output changes nothing.
 */

test('any Pod: an answer, a faithful patch, and a stable second pass', () => {
  const config = fixtureConfig();
  const facts = { namespaceLabels: { 'istio-injection': 'enabled' }, now: new Date(0) };
  fc.assert(
    fc.property(pod, (p) => {
      const object = podObject(p);
      const first = mutateObject({ request: podRequest(object), facts, config, protectedNamespace: true });
      assert.equal(first.internalError, undefined);
      assert.equal(first.denial, undefined);
      assert.ok(first.mutated);
      const patched = structuredClone(object);
      applyPatch(patched, diffPatch(object, first.mutated));
      assert.deepEqual(patched, first.mutated);
      const second = mutateObject({ request: podRequest(first.mutated), facts, config, protectedNamespace: true });
      assert.equal(second.mutated, undefined, JSON.stringify(diffPatch(first.mutated, second.mutated ?? first.mutated)));
    }),
    { numRuns: 300, seed: 4 },
  );
});
