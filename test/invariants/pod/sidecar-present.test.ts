import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { basePod, controllerOf, MESH, meshPod, review, withFields } from './fixtures.js';
import { invariantTables } from './table.js';

const INJECT = 'sidecar.istio.io/inject';

invariantTables('ZT-POD-006', {
  violating: [
    { name: 'no proxy in an istio-injection namespace', object: basePod(), namespaceLabels: MESH, paths: ['spec.containers'] },
    { name: 'no proxy in a ztgate.io/mesh namespace', object: basePod(), namespaceLabels: { 'ztgate.io/mesh': 'enabled' }, paths: ['spec.containers'] },
    { name: 'no proxy in a namespace of an Istio revision', object: basePod(), namespaceLabels: { 'istio.io/rev': 'canary' }, paths: ['spec.containers'] },
    {
      name: 'injection turned off by label in a namespace of an Istio revision',
      object: withFields(basePod(), { [`metadata.labels[${INJECT}]`]: 'false' }),
      namespaceLabels: { 'istio.io/rev': 'default' },
      paths: [`metadata.labels[${INJECT}]`],
    },
    {
      name: 'a proxy init container that does not keep running',
      object: withFields(basePod(), { 'spec.initContainers[0]': { name: 'istio-proxy', image: 'x' } }),
      namespaceLabels: MESH,
      paths: ['spec.containers'],
    },
    {
      name: 'injection turned off by annotation',
      object: withFields(basePod(), { [`metadata.annotations[${INJECT}]`]: 'false' }),
      namespaceLabels: MESH,
      paths: [`metadata.annotations[${INJECT}]`],
    },
    {
      name: 'injection turned off by label, even with a proxy present',
      object: withFields(meshPod(), { [`metadata.labels[${INJECT}]`]: 'false' }),
      namespaceLabels: MESH,
      paths: [`metadata.labels[${INJECT}]`],
    },
    {
      // Istio reads every value but y, yes, true and on as "do not inject".
      name: 'injection turned off by an unusual value',
      object: withFields(basePod(), { [`metadata.annotations[${INJECT}]`]: 'disabled' }),
      namespaceLabels: MESH,
      paths: [`metadata.annotations[${INJECT}]`],
    },
  ],
  conforming: [
    { name: 'a proxy container', object: meshPod(), namespaceLabels: MESH },
    {
      name: 'a native sidecar proxy',
      object: withFields(basePod(), { 'spec.initContainers[0]': { name: 'istio-proxy', image: 'x', restartPolicy: 'Always' } }),
      namespaceLabels: MESH,
    },
    { name: 'no proxy outside the mesh', object: basePod() },
    { name: 'no proxy where injection is disabled', object: basePod(), namespaceLabels: { 'istio-injection': 'disabled' } },
    // Istio's revisioned webhooks skip namespaces that carry istio-injection at all.
    { name: 'no proxy where istio-injection=disabled overrides a revision label', object: basePod(), namespaceLabels: { 'istio-injection': 'disabled', 'istio.io/rev': 'canary' } },
    { name: 'no proxy where the revision label is empty', object: basePod(), namespaceLabels: { 'istio.io/rev': '' } },
    { name: 'injection asked for explicitly', object: withFields(meshPod(), { [`metadata.labels[${INJECT}]`]: 'True' }), namespaceLabels: MESH },
  ],
  controllers: [
    {
      name: 'injection turned off in the template',
      object: withFields(basePod(), { [`metadata.annotations[${INJECT}]`]: 'false' }),
      namespaceLabels: MESH,
      path: `metadata.annotations[${INJECT}]`,
    },
  ],
});

describe('ZT-POD-006 on controllers', () => {
  test('a template without the proxy is fine: the proxy is injected into each Pod', () => {
    const verdict = review(controllerOf('Deployment', basePod()), { namespaceLabels: MESH });
    assert.deepEqual(verdict.violations, []);
  });
});
