import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { podViewOf } from '../../../src/invariants/pod/pod-specs.js';
import { containersOf } from '../../../src/invariants/pod/containers.js';
import type { JsonObject } from '../../../src/util/json.js';

function pod(app: string): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: app, labels: { app, count: 3 as unknown as string }, annotations: { note: app } },
    spec: { serviceAccountName: app, containers: [{ name: 'c', image: 'i' }] },
  };
}

function deployment(app: string): JsonObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `${app}-owner`, labels: { owner: 'yes' } }, spec: { template: { metadata: { labels: { app } }, spec: { containers: [] } } } };
}

/** The view as the uncached computation defined it, built by hand from the object. */
function expectedView(object: JsonObject, prefix: string): unknown {
  const template = (prefix ? (object['spec'] as JsonObject)['template'] : object) as JsonObject;
  const metadata = template['metadata'] as { labels?: Record<string, unknown>; annotations?: Record<string, unknown> };
  const strings = (map: Record<string, unknown> = {}) => Object.fromEntries(Object.entries(map).filter(([, v]) => typeof v === 'string'));
  return {
    template,
    spec: template['spec'],
    labels: strings(metadata.labels),
    annotations: strings(metadata.annotations),
    specPath: prefix ? `${prefix}.spec` : 'spec',
    metadataPath: prefix ? `${prefix}.metadata` : 'metadata',
    containerRefs: undefined,
    injected: undefined,
  };
}

describe('the Pod view shared by the Pod invariants of a review', () => {
  test('asking again for the same object gives the same view, equal to the computed one', () => {
    const object = pod('web');
    const first = podViewOf('Pod', object);
    assert.equal(podViewOf('Pod', object), first, 'the second request reuses the view');
    assert.deepEqual(first, expectedView(object, ''));
  });

  test('is per object and per kind: interleaved objects never get each other’s view', () => {
    const objects = ['a', 'b', 'c'].map(pod);
    const owner = deployment('d');
    const order = [0, 1, 0, 2, 1, 1, 0, 2, 2, 0];
    for (const i of order) {
      const object = objects[i]!;
      assert.deepEqual(podViewOf('Pod', object), expectedView(object, ''), `object ${i}`);
      assert.deepEqual(podViewOf('Deployment', owner), expectedView(owner, 'spec.template'));
    }
    // The same object read as another kind is another view.
    assert.equal(podViewOf('Deployment', objects[0]), undefined);
    assert.deepEqual(podViewOf('Pod', owner)?.labels, { owner: 'yes' });
    assert.equal(podViewOf('ConfigMap', objects[0]), undefined);
    assert.equal(podViewOf('Pod', undefined), undefined);
  });

  test('an equal but distinct object gets its own view, equal in content', () => {
    const object = pod('web');
    const copy = structuredClone(object);
    const view = podViewOf('Pod', object);
    const copyView = podViewOf('Pod', copy);
    assert.notEqual(copyView, view);
    assert.equal(copyView?.template, copy);
    assert.deepEqual(copyView, view);
  });

  test('its label and annotation maps cannot be changed by one invariant for the others', () => {
    const view = podViewOf('Pod', pod('web'))!;
    assert.ok(Object.isFrozen(view.labels) && Object.isFrozen(view.annotations));
  });

  test('its container refs are built once, in list order, and shared by every invariant that asks', () => {
    const object: JsonObject = {
      kind: 'Deployment',
      spec: {
        template: {
          spec: {
            initContainers: [{ name: 'setup' }],
            containers: [{ name: 'web' }, 'not an object', { name: 'log' }],
            ephemeralContainers: [{ name: 'debug' }],
          },
        },
      },
    };
    const view = podViewOf('Deployment', object)!;
    const all = containersOf(view);
    assert.equal(containersOf(view), all, 'the second caller gets the same refs');
    assert.ok(Object.isFrozen(all), 'no invariant can change the list the others read');
    assert.deepEqual(
      all.map((ref) => [ref.list, ref.index, ref.name, ref.path, ref.label]),
      [
        ['containers', 0, 'web', 'spec.template.spec.containers[0]', 'container "web"'],
        ['containers', 2, 'log', 'spec.template.spec.containers[2]', 'container "log"'],
        ['initContainers', 0, 'setup', 'spec.template.spec.initContainers[0]', 'init container "setup"'],
        ['ephemeralContainers', 0, 'debug', 'spec.template.spec.ephemeralContainers[0]', 'ephemeral container "debug"'],
      ],
    );
    assert.deepEqual(containersOf(view, ['ephemeralContainers']).map((ref) => ref.name), ['debug']);
    assert.deepEqual(containersOf(view, ['containers', 'initContainers']).map((ref) => ref.name), ['web', 'log', 'setup']);
    assert.equal(all[0]!.container, (((object['spec'] as JsonObject)['template'] as JsonObject)['spec'] as { containers: JsonObject[] }).containers[0]);
  });
});
