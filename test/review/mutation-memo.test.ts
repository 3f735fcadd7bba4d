import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultConfig, parseConfig } from '../../src/config/parse.js';
import { StaticNamespaceSource } from '../../src/facts/static.js';
import { runReview, type ReviewDeps } from '../../src/review/review.js';
import type { JsonObject } from '../../src/util/json.js';
import { namespace } from '../support/app.js';
import { pod, reviewOf } from '../support/reviews.js';

const MESH = { 'istio-injection': 'enabled' };
const meshOnly = new StaticNamespaceSource([namespace('shop', MESH)]);
const meshLess = new StaticNamespaceSource([namespace('shop')]);

function deps(overrides: Partial<ReviewDeps> = {}): ReviewDeps {
  return { config: defaultConfig(), namespaces: meshOnly, now: new Date('2026-11-23T00:00:00Z'), ...overrides };
}

/** A replica as the API server sends it: generateName, no name yet. */
function replica(extra: JsonObject = {}): JsonObject {
  return pod({ serviceAccountName: "web", ...extra }, { generateName: 'web-7d9f-', labels: { app: 'web' } });
}

function mutate(object: JsonObject, reviewDeps: ReviewDeps, uid: string) {
  const outcome = runReview('mutate', reviewOf(object, { uid }), reviewDeps);
  assert.ok(outcome.ok);
  return outcome;
}

describe('mutation memo: replicas of one template', () => {
  test('the second identical object is recalled: same patch, its own uid, counted as recalled', () => {
    const shared = deps();
    const first = mutate(replica(), shared, 'uid-1');
    const second = mutate(replica(), shared, 'uid-2');
    assert.equal(first.recalled, undefined);
    assert.equal(second.recalled, true);
    assert.ok(first.response.patch, 'the first replica was injected');
    assert.equal(second.response.patch, first.response.patch);
    assert.equal(second.response.uid, 'uid-2');
    assert.equal(second.body.response.uid, 'uid-2');
    assert.deepEqual({ ...second.response, uid: 'uid-1' }, first.response);
    assert.equal(second.mutated, true);
  });

  test('a recalled answer equals a fresh one for every shape that changes the decision', () => {
    const cases: Array<[string, JsonObject]> = [
      ['plain replica', replica()],
      ['injection disabled by label', pod({ serviceAccountName: 'web' }, { generateName: 'x-', labels: { 'sidecar.istio.io/inject': 'false' } })],
      ['invalid injection annotation (denied)', pod({ serviceAccountName: 'web' }, { generateName: 'x-', annotations: { 'sidecar.istio.io/proxyCPU': 'lots' } })],
      ['hostNetwork', replica({ hostNetwork: true })],
      ['probes rewritten', replica({ containers: [{ name: 'app', image: 'a', readinessProbe: { httpGet: { path: '/ready', port: 8080 } } }] })],
    ];
    for (const [name, object] of cases) {
      const shared = deps();
      const fresh = mutate(object, deps(), 'uid-a');
      mutate(object, shared, 'uid-b');
      const recalled = mutate(object, shared, 'uid-a');
      assert.equal(recalled.recalled, true, name);
      assert.deepEqual(recalled.response, fresh.response, name);
      assert.equal(JSON.stringify(recalled.body), JSON.stringify(fresh.body), `${name}: byte-identical answer`);
    }
    const denied = mutate(cases[2]![1], deps(), 'u');
    assert.equal(denied.response.allowed, false, 'the denial case is a denial');
  });

  test('what the mutation reads is part of the key: object, namespace labels, operation, config', () => {
    const config = defaultConfig();
    const shared = deps({ config });
    mutate(replica(), shared, 'u');
    assert.equal(mutate(replica({ priority: 1 }), shared, 'u').recalled, undefined, 'a different object');
    const outside = mutate(replica(), deps({ config, namespaces: meshLess }), 'u');
    assert.equal(outside.recalled, undefined, 'different namespace labels');
    assert.notEqual(outside.response.patch, mutate(replica(), shared, 'u').response.patch);
    const update = runReview('mutate', reviewOf(replica(), { operation: 'UPDATE', oldObject: replica() }), shared);
    assert.ok(update.ok);
    assert.equal(update.recalled, undefined, 'another operation');
    assert.equal(mutate(replica(), deps({ config: defaultConfig() }), 'u').recalled, undefined, 'another config');
  });

  test('changing a recalled response does not change the next one', () => {
    const shared = deps();
    mutate(replica(), shared, 'u1');
    const recalled = mutate(replica(), shared, 'u2');
    recalled.response.warnings = ['tampered'];
    recalled.response.auditAnnotations!['x'] = 'tampered';
    const again = mutate(replica(), shared, 'u3');
    assert.equal(again.response.warnings, undefined);
    assert.equal(again.response.auditAnnotations!['x'], undefined);
  });

  test('a config built by hand (not frozen) is never cached against', () => {
    const config = { ...defaultConfig() };
    const shared = deps({ config });
    mutate(replica(), shared, 'u1');
    assert.equal(mutate(replica(), shared, 'u2').recalled, undefined);
  });

  test('objects over 64 KiB are decided afresh every time', () => {
    const big = replica({ containers: [{ name: 'app', image: 'a', env: [{ name: 'BLOB', value: 'x'.repeat(70 * 1024) }] }] });
    const shared = deps();
    mutate(big, shared, 'u1');
    assert.equal(mutate(big, shared, 'u2').recalled, undefined);
  });

  test('a system namespace stays skipped, recalled or not', () => {
    const config = parseConfig({}, 'test');
    const shared = deps({ config, namespaces: new StaticNamespaceSource([namespace('kube-system', MESH)]) });
    const object = pod({}, { namespace: 'kube-system' });
    const first = mutate(object, shared, 'u1');
    const second = mutate(object, shared, 'u2');
    assert.equal(second.recalled, true);
    assert.equal(second.skipped, first.skipped);
    assert.equal(second.response.patch, undefined);
  });
});
