import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JsonObject } from '../../../src/util/json.js';
import { basePod, controllerOf, MESH, review, withFields, type RequestOptions } from './fixtures.js';

/** A Pod admitted before ztgate (or while the invariants were in warn mode), breaking several of them. */
const legacy = withFields(basePod(), {
  'spec.hostNetwork': true,
  'spec.containers[1].securityContext.capabilities.add': ['NET_ADMIN'],
  'spec.securityContext.runAsUser': 1337,
});

interface UpdateCase {
  name: string;
  before: JsonObject;
  after: JsonObject;
  options?: RequestOptions & { namespaceLabels?: Record<string, string> };
  /** `id path` of each denial; empty when allowed. */
  denied: string[];
}

const cases: UpdateCase[] = [
  {
    name: 'removing a finalizer from a Pod that already broke the rules',
    before: withFields(legacy, { 'metadata.finalizers': ['example.com/cleanup'] }),
    after: legacy,
    denied: [],
  },
  {
    name: 'removing a finalizer from a Pod on the default ServiceAccount',
    before: withFields(basePod(), { 'spec.serviceAccountName': 'default', 'metadata.finalizers': ['example.com/cleanup'] }),
    after: withFields(basePod(), { 'spec.serviceAccountName': 'default' }),
    denied: [],
  },
  {
    name: 'relabelling a Pod that already broke the rules',
    before: legacy,
    after: withFields(legacy, { 'metadata.labels[version]': 'v2' }),
    denied: [],
  },
  {
    name: 'a Pod without its proxy, in a namespace that joined the mesh later',
    before: basePod(),
    after: withFields(basePod(), { 'metadata.labels[version]': 'v2' }),
    options: { namespaceLabels: MESH },
    denied: [],
  },
  {
    name: 'a Pod update that brings a new violation',
    before: legacy,
    after: withFields(legacy, { 'metadata.annotations[traffic.sidecar.istio.io/excludeOutboundPorts]': '5432' }),
    denied: ['ZT-POD-005 metadata.annotations[traffic.sidecar.istio.io/excludeOutboundPorts]'],
  },
  {
    name: 'a Deployment whose template is untouched (the garbage collector drops a finalizer)',
    before: withFields(controllerOf('Deployment', legacy), { 'metadata.finalizers': ['foregroundDeletion'] }),
    after: controllerOf('Deployment', legacy),
    denied: [],
  },
  {
    name: 'a Deployment rollout keeps every violation of its template',
    before: controllerOf('Deployment', legacy),
    after: controllerOf('Deployment', withFields(legacy, { 'spec.containers[0].image': 'registry.example/api:2.0' })),
    denied: [
      'ZT-POD-002 spec.template.spec.hostNetwork',
      'ZT-POD-003 spec.template.spec.containers[1].securityContext.capabilities.add',
      'ZT-POD-004 spec.template.spec.securityContext.runAsUser',
    ],
  },
];

describe('UPDATE reports only what the update can change', () => {
  for (const { name, before, after, options, denied } of cases) {
    test(`${denied.length ? 'denies' : 'allows'} ${name}`, () => {
      const verdict = review(after, { ...options, operation: 'UPDATE', oldObject: before });
      assert.deepEqual(
        verdict.denials.map((denial) => `${denial.invariantId} ${denial.path}`),
        denied,
      );
      assert.equal(verdict.allowed, denied.length === 0);
    });
  }

  test('the same objects are denied on CREATE, so the updates above prove the difference', () => {
    for (const object of [legacy, controllerOf('Deployment', legacy)]) assert.equal(review(object).allowed, false);
    assert.equal(review(basePod(), { namespaceLabels: MESH }).allowed, false);
  });
});
