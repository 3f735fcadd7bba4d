import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { strategicMergePod } from '../../src/inject/smp.js';
import type { JsonObject } from '../../src/util/json.js';

const CASES: { name: string; original: JsonObject; patch: JsonObject; expected: JsonObject }[] = [
  {
    name: 'maps merge, patch values win, null deletes',
    original: { metadata: { labels: { a: '1', b: '2' }, annotations: { x: 'y' } } },
    patch: { metadata: { labels: { b: '3', c: '4' }, annotations: { x: null } } },
    expected: { metadata: { labels: { a: '1', b: '3', c: '4' }, annotations: {} } },
  },
  {
    name: 'containers merge by name; patch items first, then the others by their original position',
    original: { spec: { containers: [{ name: 'app' }, { name: 'istio-proxy', image: 'old', tty: true }] } },
    patch: { spec: { containers: [{ name: 'istio-proxy', image: 'new' }] } },
    expected: { spec: { containers: [{ name: 'app' }, { name: 'istio-proxy', image: 'new', tty: true }] } },
  },
  {
    name: 'new patch items go before the items the object alone has',
    original: { spec: { initContainers: [{ name: 'user' }] } },
    patch: { spec: { initContainers: [{ name: 'istio-init' }, { name: 'istio-proxy' }] } },
    expected: { spec: { initContainers: [{ name: 'istio-init' }, { name: 'istio-proxy' }, { name: 'user' }] } },
  },
  {
    name: 'env merges by name in patch order, the object-only entries slotted in by position',
    original: { spec: { containers: [{ name: 'p', env: [{ name: 'A', value: '1' }, { name: 'B' }, { name: 'X' }, { name: 'C' }] }] } },
    patch: { spec: { containers: [{ name: 'p', env: [{ name: 'Z' }, { name: 'A', value: '2' }, { name: 'C' }] }] } },
    expected: { spec: { containers: [{ name: 'p', env: [{ name: 'Z' }, { name: 'A', value: '2' }, { name: 'B' }, { name: 'X' }, { name: 'C' }] }] } },
  },
  {
    name: 'args are replaced, not merged',
    original: { spec: { containers: [{ name: 'p', args: ['a', 'b'] }] } },
    patch: { spec: { containers: [{ name: 'p', args: ['c'] }] } },
    expected: { spec: { containers: [{ name: 'p', args: ['c'] }] } },
  },
  {
    name: 'volumeMounts merge by mountPath, ports by containerPort, volumes by name',
    original: {
      spec: {
        containers: [{ name: 'p', volumeMounts: [{ name: 'a', mountPath: '/a' }], ports: [{ containerPort: 1, name: 'x' }] }],
        volumes: [{ name: 'user', secret: { secretName: 's' } }],
      },
    },
    patch: {
      spec: {
        containers: [{ name: 'p', volumeMounts: [{ name: 'b', mountPath: '/a', readOnly: true }], ports: [{ containerPort: 2 }] }],
        volumes: [{ name: 'istio-data', emptyDir: {} }],
      },
    },
    expected: {
      spec: {
        containers: [{ name: 'p', volumeMounts: [{ name: 'b', mountPath: '/a', readOnly: true }], ports: [{ containerPort: 2 }, { containerPort: 1, name: 'x' }] }],
        volumes: [{ name: 'istio-data', emptyDir: {} }, { name: 'user', secret: { secretName: 's' } }],
      },
    },
  },
  {
    name: 'finalizers merge as a set',
    original: { metadata: { finalizers: ['a', 'b'] } },
    patch: { metadata: { finalizers: ['b', 'c'] } },
    expected: { metadata: { finalizers: ['a', 'b', 'c'] } },
  },
];

describe('strategicMergePod', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const original = structuredClone(c.original);
      const patch = structuredClone(c.patch);
      assert.deepEqual(strategicMergePod(original, patch), c.expected);
      assert.deepEqual(original, c.original, 'the object is not modified');
      assert.deepEqual(patch, c.patch, 'the patch is not modified');
    });
  }

  test('a list item without its merge key is an error, not a silent merge', () => {
    assert.throws(() => strategicMergePod({ spec: { containers: [{ name: 'a' }] } }, { spec: { containers: [{ image: 'x' }] } }), /merge key "name"/);
  });
});
