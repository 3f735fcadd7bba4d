import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { denialLine } from '../../../src/engine/messages.js';
import { isOwnClusterHost } from '../../../src/invariants/net/mesh-hosts.js';
import type { JsonObject } from '../../../src/util/json.js';
import { configWith, expectFindingPaths, findingsOf, review } from './support.js';

const ID = 'ZT-NET-011';

function serviceEntry(spec: JsonObject, namespace = 'shop', apiVersion = 'networking.istio.io/v1'): JsonObject {
  return { apiVersion, kind: 'ServiceEntry', metadata: { name: 'stripe', namespace }, spec: { ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], ...spec } };
}

const ENDPOINTS = { resolution: 'STATIC', endpoints: [{ address: '10.1.2.3' }] };

/** [description, spec, writer's namespace, finding paths] */
const CASES: [string, JsonObject, string, string[]][] = [
  ['an external API resolved by DNS (no endpoints)', { hosts: ['api.stripe.com'], resolution: 'DNS' }, 'shop', []],
  ['an address passed through (resolution NONE)', { hosts: ['db.example.com'], addresses: ['203.0.113.5'], resolution: 'NONE' }, 'shop', []],
  ['an external API sent to its own endpoints', { hosts: ['api.stripe.com'], ...ENDPOINTS }, 'shop', ['spec.hosts[0]']],
  ['two hosts and an address sent to its own endpoints', { hosts: ['api.stripe.com', 'db.example.com'], addresses: ['203.0.113.5/32'], ...ENDPOINTS }, 'shop', ['spec.hosts[0]', 'spec.hosts[1]', 'spec.addresses[0]']],
  ['endpoints by DNS name', { hosts: ['api.stripe.com'], resolution: 'DNS', endpoints: [{ address: 'proxy.shop.svc.cluster.local' }] }, 'shop', ['spec.hosts[0]']],
  ['workloads selected', { hosts: ['api.stripe.com'], resolution: 'STATIC', workloadSelector: { labels: { app: 'proxy' } } }, 'shop', ['spec.hosts[0]']],
  ['another namespace’s service name', { hosts: ['reviews.payments.svc.cluster.local'], ...ENDPOINTS }, 'shop', ['spec.hosts[0]']],
  ['a short name (used as written, nobody’s cluster name)', { hosts: ['legacy-db'], ...ENDPOINTS }, 'shop', ['spec.hosts[0]']],
  ['its own namespace’s name, for VMs', { hosts: ['vm-db.shop.svc.cluster.local'], resolution: 'STATIC', workloadSelector: { labels: { app: 'vm-db' } } }, 'shop', []],
  ['its own wildcard', { hosts: ['*.shop.svc'], ...ENDPOINTS }, 'shop', []],
  ['its own name, with an address', { hosts: ['vm-db.shop.svc.cluster.local'], addresses: ['10.20.0.0/16'], ...ENDPOINTS }, 'shop', ['spec.addresses[0]']],
  ['endpoints, exportTo ["."]', { hosts: ['api.stripe.com'], exportTo: ['.'], ...ENDPOINTS }, 'shop', []],
  ['endpoints, exported to its own namespace by name', { hosts: ['api.stripe.com'], exportTo: ['shop'], ...ENDPOINTS }, 'shop', []],
  ['endpoints, exported to another namespace', { hosts: ['api.stripe.com'], exportTo: ['.', 'frontend'], ...ENDPOINTS }, 'shop', ['spec.hosts[0]']],
  ['endpoints, exportTo ["*"]', { hosts: ['api.stripe.com'], exportTo: ['*'], ...ENDPOINTS }, 'shop', ['spec.hosts[0]']],
  ['an empty endpoints list (DNS decides)', { hosts: ['api.stripe.com'], resolution: 'DNS', endpoints: [] }, 'shop', []],
];

describe('ZT-NET-011', () => {
  for (const [description, spec, namespace, paths] of CASES) {
    test(`${description} → ${paths.length === 0 ? 'allowed' : 'denied'}`, () => {
      expectFindingPaths(ID, serviceEntry(spec, namespace), paths);
    });
  }

  for (const apiVersion of ['networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3']) {
    test(`${apiVersion} is judged the same`, () => {
      expectFindingPaths(ID, serviceEntry({ hosts: ['api.stripe.com'], ...ENDPOINTS }, 'shop', apiVersion), ['spec.hosts[0]']);
    });
  }

  test('the message names the host, the endpoint source, who follows it and the way out', () => {
    const denied = review(serviceEntry({ hosts: ['api.stripe.com'], ...ENDPOINTS })).denials;
    assert.equal(denied.length, 1);
    assert.equal(
      denialLine(denied[0]!),
      'ZT-NET-011: ServiceEntry "stripe" sends traffic for host "api.stripe.com" to endpoints it chose (spec.endpoints), for clients in every namespace (it sets no exportTo, and Istio exports to every namespace by default) (spec.hosts[0]); those clients would send what they mean for it to workloads this ServiceEntry picked, which can read it or answer as the real service: the address or name they trust is taken over, as with a Service’s externalIPs. Limit it to this namespace’s clients with exportTo: ["."], or name only hosts under shop.svc.cluster.local and no addresses; a namespace that provides others’ destinations by design needs an exception for ZT-NET-011.',
    );
  });

  test('an update that leaves spec alone passes; one that changes it is judged whole', () => {
    const old = serviceEntry({ hosts: ['api.stripe.com'], ...ENDPOINTS });
    const labelled = { ...old, metadata: { ...(old['metadata'] as JsonObject), labels: { team: 'shop' } } };
    assert.deepEqual(findingsOf(review(labelled, { operation: 'UPDATE', oldObject: old }), ID), []);
    const moved = serviceEntry({ hosts: ['api.stripe.com'], resolution: 'STATIC', endpoints: [{ address: '10.1.2.4' }] });
    assert.equal(findingsOf(review(moved, { operation: 'UPDATE', oldObject: old }), ID).length, 1);
  });

  test('deleting one and writing its status are not judged', () => {
    assert.deepEqual(findingsOf(review(serviceEntry({ hosts: ['api.stripe.com'], ...ENDPOINTS }), { operation: 'DELETE' }), ID), []);
    const status = review(serviceEntry({ hosts: ['api.stripe.com'], ...ENDPOINTS }), { operation: 'UPDATE', oldObject: serviceEntry({}), subResource: 'status' });
    assert.deepEqual(findingsOf(status, ID), []);
  });

  test('it runs in namespaces outside protection too, never in the system ones', () => {
    const config = configWith({ protection: { excludeNamespaces: ['sandbox'] } });
    assert.equal(review(serviceEntry({ hosts: ['api.stripe.com'], ...ENDPOINTS }, 'sandbox'), {}, config).allowed, false);
    assert.equal(review(serviceEntry({ hosts: ['api.stripe.com'], ...ENDPOINTS }, 'kube-system')).allowed, true);
  });

  test('an exception for ZT-NET-011 lets an egress namespace provide destinations for everyone', () => {
    const config = configWith({ exceptions: [{ name: 'egress-proxies', invariants: ['ZT-NET-011'], namespaces: ['egress'], reason: 'the platform egress proxies' }] });
    assert.equal(review(serviceEntry({ hosts: ['api.stripe.com'], ...ENDPOINTS }, 'egress'), {}, config).allowed, true);
    assert.equal(review(serviceEntry({ hosts: ['api.stripe.com'], ...ENDPOINTS }, 'shop'), {}, config).allowed, false);
  });

  test('the cluster domain comes from injection.clusterDomain', () => {
    const config = configWith({ injection: { clusterDomain: 'corp.internal' } });
    assert.equal(review(serviceEntry({ hosts: ['vm-db.shop.svc.corp.internal'], ...ENDPOINTS }), {}, config).allowed, true);
    assert.equal(review(serviceEntry({ hosts: ['vm-db.shop.svc.cluster.local'], ...ENDPOINTS }), {}, config).allowed, false);
  });
});

describe('isOwnClusterHost', () => {
  /** [host, own namespace shop?] */
  const HOSTS: [string, boolean][] = [
    ['vm-db.shop.svc.cluster.local', true],
    ['VM-DB.Shop.SVC.cluster.local.', true],
    ['vm-db.shop.svc', true],
    ['*.shop.svc.cluster.local', true],
    ['db-0.vm-db.shop.svc.cluster.local', true],
    ['shop.svc.cluster.local', false],
    ['.shop.svc', false],
    ['vm-db.payments.svc.cluster.local', false],
    ['vm-db.shop', false],
    ['vm-db', false],
    ['vm-db.shop.svc.example.com', false],
  ];
  for (const [host, own] of HOSTS) {
    test(`${host} → ${own ? 'shop’s own' : 'not shop’s'}`, () => assert.equal(isOwnClusterHost(host, 'shop', 'cluster.local'), own));
  }
});
