import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyPatch } from 'rfc6902';
import type { Operation } from '../../src/admission/types.js';
import { INJECTION_AUDIT_KEY, mutateObject, type MutationContext } from '../../src/inject/admission.js';
import { diffPatch } from '../../src/patch/diff.js';
import type { JsonObject } from '../../src/util/json.js';
import { fixtureConfig, podRequest } from './helpers.js';

function pod(extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'web-7d4b9c8f5-', labels: { app: 'web', 'pod-template-hash': '7d4b9c8f5' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c8f5', uid: 'u', controller: true }], ...extra },
    spec: { serviceAccountName: 'web', containers: [{ name: 'web', image: 'web:1', ports: [{ containerPort: 8080, protocol: 'TCP' }] }] },
  };
}

function context(object: JsonObject, options: { operation?: Operation; labels?: Record<string, string>; protectedNamespace?: boolean; kind?: string; config?: Record<string, unknown> } = {}): MutationContext {
  const request = podRequest(object, {
    operation: options.operation ?? 'CREATE',
    kind: { group: '', version: 'v1', kind: options.kind ?? 'Pod' },
  });
  return {
    request,
    facts: { namespaceLabels: options.labels ?? { 'istio-injection': 'enabled' }, now: new Date(0) },
    config: fixtureConfig(options.config),
    protectedNamespace: options.protectedNamespace ?? true,
  };
}

function envOf(container: unknown): Record<string, unknown> {
  const env = (container as { env: { name: string; value?: string }[] }).env;
  return Object.fromEntries(env.map((e) => [e.name, e.value]));
}

describe('mutateObject', () => {
  test('injects a controller-created Pod, naming its Deployment, and adds the identity', () => {
    const original = pod();
    const frozen = structuredClone(original);
    const result = mutateObject(context(original));
    assert.deepEqual(original, frozen, 'request.object is never modified');
    const mutated = result.mutated as { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: { initContainers: JsonObject[] } };
    assert.ok(mutated);
    assert.deepEqual(mutated.spec.initContainers.map((c) => c['name']), ['istio-init', 'istio-proxy']);
    const env = envOf(mutated.spec.initContainers[1]);
    assert.equal(env['ISTIO_META_WORKLOAD_NAME'], 'web');
    assert.equal(env['ISTIO_META_OWNER'], 'kubernetes://apis/apps/v1/namespaces/shop/deployments/web');
    assert.equal(mutated.metadata.labels['ztgate.io/service-account'], 'web');
    assert.equal(mutated.metadata.annotations['ztgate.io/spiffe-id'], 'spiffe://cluster.local/ns/shop/sa/web');
    assert.equal(mutated.metadata.labels['service.istio.io/canonical-name'], 'web');
    assert.match(result.auditAnnotations[INJECTION_AUDIT_KEY]!, /^injected: namespace shop has istio-injection=enabled/);
    assert.equal(result.denial, undefined);
  });

  test('the patch applied with a JSON Patch library gives the mutated Pod, keys with / escaped', () => {
    const original = pod({ annotations: { 'example.com/team': 'shop' } });
    const result = mutateObject(context(original));
    const patch = diffPatch(original, result.mutated!);
    assert.ok(patch.some((op) => op.path === '/metadata/annotations/sidecar.istio.io~1status'));
    const patched = structuredClone(original);
    assert.deepEqual(applyPatch(patched, patch).filter((e) => e !== null), []);
    assert.deepEqual(patched, result.mutated);
  });

  test('a second pass (webhook reinvocation) changes nothing: no patch', () => {
    const first = mutateObject(context(pod())).mutated!;
    const second = mutateObject(context(first));
    assert.equal(second.mutated, undefined);
    assert.deepEqual(second.warnings, []);
  });

  test('not injected outside an enabled namespace, but the identity is still set', () => {
    const result = mutateObject(context(pod(), { labels: {} }));
    const mutated = result.mutated as { metadata: { labels: Record<string, string> }; spec: JsonObject };
    assert.equal(mutated.spec['initContainers'], undefined);
    assert.equal(mutated.metadata.labels['ztgate.io/service-account'], 'web');
    assert.match(result.auditAnnotations[INJECTION_AUDIT_KEY]!, /^skipped: namespace shop does not enable injection/);
  });

  test('no change means no mutated object (unprotected namespace, not injected)', () => {
    const result = mutateObject(context(pod(), { labels: {}, protectedNamespace: false }));
    assert.equal(result.mutated, undefined);
  });

  test('UPDATE changes nothing: a forged identity label is left for ZT-POD-007 to deny, not silently undone', () => {
    const forged = pod({ name: 'web-1', labels: { 'ztgate.io/service-account': 'admin' } });
    const result = mutateObject(context(forged, { operation: 'UPDATE' }));
    assert.equal(result.mutated, undefined);
    assert.equal(result.denial, undefined);
  });

  test('an invalid traffic annotation is refused, naming the annotation', () => {
    const result = mutateObject(context(pod({ annotations: { 'traffic.sidecar.istio.io/includeInboundPorts': '80,http' } })));
    assert.match(result.denial!, /traffic\.sidecar\.istio\.io\/includeInboundPorts="80,http" is invalid/);
    assert.equal(result.mutated, undefined);
  });

  test('a bad annotation does not matter when the Pod is not injected', () => {
    const result = mutateObject(context(pod({ annotations: { 'sidecar.istio.io/inject': 'false', 'status.sidecar.istio.io/port': 'x' } })));
    assert.equal(result.denial, undefined);
  });

  test('an internal error admits the Pod unchanged with a warning', () => {
    const overridden = pod({ annotations: {} });
    (overridden['spec'] as JsonObject)['containers'] = [{ name: 'web', image: 'w' }, { name: 'istio-proxy', image: 'auto', env: [{ value: 'no name' }] }];
    const result = mutateObject(context(overridden));
    assert.equal(result.mutated, undefined);
    assert.equal(result.denial, undefined);
    assert.match(result.warnings[0]!, /^ztgate: sidecar injection skipped after an internal error: .*merge key "name"/);
    assert.ok(result.internalError);
  });

  test('only Pods, and only CREATE and UPDATE', () => {
    assert.equal(mutateObject(context(pod(), { kind: 'Deployment' })).mutated, undefined);
    assert.equal(mutateObject(context(pod(), { operation: 'DELETE' })).mutated, undefined);
  });

  test('hostNetwork Pods get the identity but no sidecar', () => {
    const host = pod();
    (host['spec'] as JsonObject)['hostNetwork'] = true;
    const mutated = mutateObject(context(host)).mutated as { spec: JsonObject };
    assert.equal(mutated.spec['initContainers'], undefined);
  });
});
