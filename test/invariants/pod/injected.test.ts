import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultConfig } from '../../../src/config/parse.js';
import { decide } from '../../../src/engine/decide.js';
import { decideMutation } from '../../../src/engine/mutate.js';
import type { Facts } from '../../../src/engine/types.js';
import { asArray, asObject, asString, type JsonObject } from '../../../src/util/json.js';
import { basePod, MESH, NOW, requestFor } from './fixtures.js';

const facts: Facts = { namespaceLabels: MESH, now: NOW };

/** The Pod as ztgate's own injector writes it: the only source of truly injected containers. */
function injected(): JsonObject {
  const mutated = decideMutation(requestFor(basePod()), facts, defaultConfig()).mutated;
  assert.ok(mutated, 'the injector changed nothing');
  return mutated;
}

function initContainer(pod: JsonObject, names: readonly string[]): JsonObject | undefined {
  const spec = asObject(pod['spec']);
  return asArray(spec?.['initContainers'])
    .map((item) => asObject(item))
    .find((container) => names.includes(asString(container?.['name']) ?? ''));
}

const REDIRECT_SETUP = ['istio-init', 'istio-validation'];

describe('Pods as ztgate injects them', () => {
  test('pass every workload invariant, the NET_ADMIN set-up container and the proxy UID included', () => {
    const pod = injected();
    assert.ok(initContainer(pod, REDIRECT_SETUP), 'no istio-init or istio-validation container was injected');
    const verdict = decide(requestFor(pod), facts, defaultConfig());
    assert.deepEqual(verdict.violations, []);
    assert.equal(verdict.allowed, true);
  });

  test('lose the exemption when the injected set-up container is altered', () => {
    const pod = injected();
    const setup = initContainer(pod, REDIRECT_SETUP);
    assert.ok(setup, 'no istio-init or istio-validation container was injected');
    setup['image'] = 'registry.example/attacker:1.0';
    const verdict = decide(requestFor(pod), facts, defaultConfig());
    assert.equal(verdict.allowed, false);
    assert.ok(verdict.denials.some((denial) => denial.invariantId === 'ZT-POD-003'));
  });
});
