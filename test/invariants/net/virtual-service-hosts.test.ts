import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../../src/config/parse.js';
import { decide } from '../../../src/engine/decide.js';
import { denialLine } from '../../../src/engine/messages.js';
import { StaticNamespaceSource } from '../../../src/facts/static.js';
import { gatherFacts } from '../../../src/facts/gather.js';
import { foreignReachOf } from '../../../src/invariants/net/mesh-hosts.js';
import type { JsonObject, JsonValue } from '../../../src/util/json.js';
import { admissionRequest, configWith, expectFindingPaths, findingsOf, FIXED_NOW, review } from './support.js';

const ID = 'ZT-NET-010';

function virtualService(spec: JsonObject, namespace = 'shop', apiVersion = 'networking.istio.io/v1'): JsonObject {
  const route = { http: [{ route: [{ destination: { host: 'cart.shop.svc.cluster.local' } }] }] };
  return { apiVersion, kind: 'VirtualService', metadata: { name: 'cart-route', namespace }, spec: { ...route, ...spec } };
}

/** [host, writer's namespace, what it reaches beyond it: a namespace, '*' for every one, or undefined] */
const HOSTS: [string, string, string | undefined][] = [
  ['cart', 'shop', undefined],
  ['cart.shop.svc.cluster.local', 'shop', undefined],
  ['cart.shop.svc', 'shop', undefined],
  ['*.shop.svc.cluster.local', 'shop', undefined],
  ['reviews.payments.svc.cluster.local', 'shop', 'payments'],
  ['reviews.payments.svc.cluster.local.', 'shop', 'payments'],
  ['Reviews.Payments.SVC.Cluster.Local', 'shop', 'payments'],
  ['reviews.payments.svc', 'shop', 'payments'],
  ['*.payments.svc.cluster.local', 'shop', 'payments'],
  ['*.payments.svc', 'shop', 'payments'],
  ['db-0.db.payments.svc.cluster.local', 'shop', 'payments'],
  ['*.svc.cluster.local', 'shop', '*'],
  ['*.cluster.local', 'shop', '*'],
  ['*.local', 'shop', '*'],
  ['*.svc', 'shop', '*'],
  ['*', 'shop', '*'],
  ['reviews.payments', 'shop', undefined],
  ['payments.svc.cluster.local', 'shop', undefined],
  ['api.example.com', 'shop', undefined],
  ['*.example.com', 'shop', undefined],
  ['*.l', 'shop', undefined],
  ['reviews.payments.pod.cluster.local', 'shop', undefined],
  ['reviews.payments.svc.example.com', 'shop', undefined],
];

describe('foreignReachOf (cluster domain cluster.local)', () => {
  for (const [host, own, expected] of HOSTS) {
    test(`${host} written in ${own} → ${expected ?? 'nothing beyond it'}`, () => {
      const reach = foreignReachOf(host, own, 'cluster.local');
      const got = reach === undefined ? undefined : reach.kind === 'every-namespace' ? '*' : reach.namespace;
      assert.equal(got, expected);
    });
  }

  /** [host, what it reaches beyond shop when namespaces payments and shop exist] */
  const BARE: [string, string | undefined][] = [
    ['reviews.payments', 'payments'],
    ['Reviews.Payments.', 'payments'],
    ['reviews.shop', undefined],
    ['example.com', undefined],
    ['*.payments', undefined],
    ['.payments', undefined],
  ];
  for (const [host, expected] of BARE) {
    test(`${host}, namespace payments existing → ${expected ?? 'nothing beyond shop'}`, () => {
      const reach = foreignReachOf(host, 'shop', 'cluster.local', new Set(['payments', 'shop']));
      assert.equal(reach?.kind === 'namespace' ? reach.namespace : reach?.kind, expected);
    });
  }

  test('a bare <service>.<namespace> names nothing when that namespace does not exist', () => {
    assert.equal(foreignReachOf('reviews.payments', 'shop', 'cluster.local', new Set(['shop'])), undefined);
    assert.equal(foreignReachOf('reviews.payments', 'shop', 'cluster.local'), undefined);
  });

  test('follows the configured cluster domain', () => {
    assert.deepEqual(foreignReachOf('reviews.payments.svc.corp.internal', 'shop', 'corp.internal'), { kind: 'namespace', namespace: 'payments' });
    assert.equal(foreignReachOf('reviews.payments.svc.cluster.local', 'shop', 'corp.internal'), undefined);
    assert.deepEqual(foreignReachOf('*.internal', 'shop', 'corp.internal'), { kind: 'every-namespace' });
    assert.equal(foreignReachOf('*.local', 'shop', 'corp.internal'), undefined);
  });
});

const FOREIGN = 'reviews.payments.svc.cluster.local';

/** [description, spec, writer's namespace, finding paths] */
const CASES: [string, JsonObject, string, string[]][] = [
  ['its own service by short name', { hosts: ['cart'] }, 'shop', []],
  ['its own service by full name', { hosts: ['cart.shop.svc.cluster.local'] }, 'shop', []],
  ['an external host', { hosts: ['api.example.com'] }, 'shop', []],
  ['another namespace’s service, no exportTo', { hosts: [FOREIGN] }, 'shop', ['spec.hosts[0]']],
  ['another namespace’s service among its own', { hosts: ['cart', FOREIGN] }, 'shop', ['spec.hosts[1]']],
  ['another namespace’s service, exportTo ["*"]', { hosts: [FOREIGN], exportTo: ['*'] }, 'shop', ['spec.hosts[0]']],
  ['another namespace’s service, exportTo that namespace', { hosts: [FOREIGN], exportTo: ['payments'] }, 'shop', ['spec.hosts[0]']],
  ['another namespace’s service, exportTo a third one', { hosts: [FOREIGN], exportTo: ['.', 'frontend'] }, 'shop', ['spec.hosts[0]']],
  ['another namespace’s service, exportTo ["."]', { hosts: [FOREIGN], exportTo: ['.'] }, 'shop', []],
  ['another namespace’s service, exported to its own namespace by name', { hosts: [FOREIGN], exportTo: ['shop'] }, 'shop', []],
  ['another namespace’s service, exportTo ["~"]', { hosts: [FOREIGN], exportTo: ['~'] }, 'shop', []],
  ['another namespace’s service, an empty exportTo (Istio’s default)', { hosts: [FOREIGN], exportTo: [] }, 'shop', ['spec.hosts[0]']],
  ['every namespace’s services by wildcard', { hosts: ['*.svc.cluster.local'] }, 'shop', ['spec.hosts[0]']],
  ['every namespace’s services, bound to mesh and a gateway', { hosts: ['*.cluster.local'], gateways: ['mesh', 'edge/public'] }, 'shop', ['spec.hosts[0]']],
  ['another namespace’s service, bound to a gateway only', { hosts: [FOREIGN], gateways: ['edge/public'] }, 'shop', []],
  ['another namespace’s service, an empty gateways list (the mesh)', { hosts: [FOREIGN], gateways: [] }, 'shop', ['spec.hosts[0]']],
  ['a delegate (no hosts)', { http: [{ route: [{ destination: { host: FOREIGN } }] }] }, 'shop', []],
  ['a destination in another namespace is not a claim', { hosts: ['cart'], http: [{ route: [{ destination: { host: FOREIGN } }] }] }, 'shop', []],
  ['a host that is not a string', { hosts: [42 as JsonValue, FOREIGN] }, 'shop', ['spec.hosts[1]']],
  ['the payments namespace routing its own service', { hosts: [FOREIGN] }, 'payments', []],
];

describe('ZT-NET-010', () => {
  for (const [description, spec, namespace, paths] of CASES) {
    test(`${description} → ${paths.length === 0 ? 'allowed' : 'denied'}`, () => {
      expectFindingPaths(ID, virtualService(spec, namespace), paths);
    });
  }

  for (const apiVersion of ['networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3']) {
    test(`${apiVersion} is judged the same`, () => {
      expectFindingPaths(ID, virtualService({ hosts: [FOREIGN] }, 'shop', apiVersion), ['spec.hosts[0]']);
    });
  }

  test('the message names the host, its namespace, who follows it and the way out', () => {
    const denied = review(virtualService({ hosts: [FOREIGN] })).denials;
    assert.equal(denied.length, 1);
    assert.equal(
      denialLine(denied[0]!),
      'ZT-NET-010: VirtualService "cart-route" routes host "reviews.payments.svc.cluster.local", a service of namespace "payments", for clients in every namespace (it sets no exportTo, and Istio exports to every namespace by default) (spec.hosts[0]); those clients would follow routing the service’s owners did not write, which can send their requests, credentials included, to another workload or mirror them there. Move the route to namespace "payments", or limit it to this namespace’s clients with exportTo: ["."]; a namespace that routes for others by design needs an exception for ZT-NET-010.',
    );
    const wildcard = review(virtualService({ hosts: ['*.local'], exportTo: ['frontend', 'admin'] })).denials[0]!;
    assert.match(denialLine(wildcard), /routes host "\*\.local", which covers the services of every namespace, for clients in namespaces "frontend", "admin" \(exportTo\)/);
    assert.match(denialLine(wildcard), /List only this namespace’s hosts, or limit it/);
  });

  test('an update that leaves spec alone passes; one that changes it is judged whole', () => {
    const old = virtualService({ hosts: [FOREIGN] });
    const relabelled = { ...old, metadata: { ...(old['metadata'] as JsonObject), labels: { team: 'shop' } } };
    assert.deepEqual(findingsOf(review(relabelled, { operation: 'UPDATE', oldObject: old }), ID), []);
    const reweighted = virtualService({ hosts: [FOREIGN], http: [{ route: [{ destination: { host: 'cart' }, weight: 100 }] }] });
    assert.equal(findingsOf(review(reweighted, { operation: 'UPDATE', oldObject: old }), ID).length, 1);
    const widened = virtualService({ hosts: [FOREIGN] });
    assert.equal(findingsOf(review(widened, { operation: 'UPDATE', oldObject: virtualService({ hosts: [FOREIGN], exportTo: ['.'] }) }), ID).length, 1);
  });

  test('a bare <service>.<namespace> host is judged once the facts say that namespace exists', () => {
    const namespaces = new StaticNamespaceSource([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } },
    ]);
    const request = admissionRequest(virtualService({ hosts: ['cart', 'reviews.payments', 'httpbin.org', 'cart.shop'] }));
    const facts = gatherFacts(request, namespaces, FIXED_NOW);
    assert.deepEqual([...(facts.existingNamespaces ?? [])], ['payments', 'shop'], 'org is looked up and not found');
    const found = decide(request, facts, defaultConfig()).denials.map((denial) => denial.path);
    assert.deepEqual(found, ['spec.hosts[1]']);
    assert.equal(decide(request, gatherFacts(request, new StaticNamespaceSource([]), FIXED_NOW), defaultConfig()).allowed, true, 'no namespace payments: an external name');
    const pod = admissionRequest({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { hosts: ['reviews.payments'] } });
    assert.equal(gatherFacts(pod, namespaces, FIXED_NOW).existingNamespaces, undefined, 'only VirtualServices look namespaces up');
  });

  test('deleting one and writing its status are not judged', () => {
    assert.deepEqual(findingsOf(review(virtualService({ hosts: [FOREIGN] }), { operation: 'DELETE' }), ID), []);
    const status = review(virtualService({ hosts: [FOREIGN] }), { operation: 'UPDATE', oldObject: virtualService({}), subResource: 'status' });
    assert.deepEqual(findingsOf(status, ID), []);
  });

  test('it runs in namespaces outside protection too: the clients it reroutes may be anywhere', () => {
    const config = configWith({ protection: { excludeNamespaces: ['sandbox'] } });
    assert.equal(review(virtualService({ hosts: [FOREIGN] }, 'sandbox'), {}, config).allowed, false);
  });

  test('never in the system namespaces', () => {
    assert.equal(review(virtualService({ hosts: [FOREIGN] }, 'kube-system')).allowed, true);
  });

  test('the cluster domain comes from injection.clusterDomain', () => {
    const config = configWith({ injection: { clusterDomain: 'corp.internal' } });
    assert.equal(review(virtualService({ hosts: ['reviews.payments.svc.corp.internal'] }), {}, config).allowed, false);
    assert.equal(review(virtualService({ hosts: ['*.internal'] }), {}, config).allowed, false);
  });

  test('an exception for ZT-NET-010 lets a routing namespace write for others', () => {
    const config = configWith({
      exceptions: [{ name: 'edge-routing', invariants: ['ZT-NET-010'], namespaces: ['edge'], reason: 'the platform team routes shared services from edge' }],
    });
    assert.equal(review(virtualService({ hosts: [FOREIGN] }, 'edge'), {}, config).allowed, true);
    assert.equal(review(virtualService({ hosts: [FOREIGN] }, 'shop'), {}, config).allowed, false);
  });

  test('warn mode admits with a warning', () => {
    const verdict = review(virtualService({ hosts: [FOREIGN] }), {}, configWith({ invariants: { 'ZT-NET-010': 'warn' } }));
    assert.equal(verdict.allowed, true);
    assert.match(verdict.warnings[0] ?? '', /^ZT-NET-010: /);
  });
});
