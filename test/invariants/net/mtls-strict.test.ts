import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isInMeshHost } from '../../../src/invariants/net/mesh-hosts.js';
import type { JsonObject } from '../../../src/util/json.js';
import { expectFindingPaths, findingsOf, review } from './support.js';

const ID = 'ZT-NET-006';

function peerAuthentication(version: string, spec: JsonObject, namespace = 'shop'): JsonObject {
  return { apiVersion: `security.istio.io/${version}`, kind: 'PeerAuthentication', metadata: { name: 'mtls', namespace }, spec };
}

function destinationRule(version: string, spec: JsonObject): JsonObject {
  return { apiVersion: `networking.istio.io/${version}`, kind: 'DestinationRule', metadata: { name: 'dr', namespace: 'shop' }, spec };
}

const WORKLOAD = { selector: { matchLabels: { app: 'web' } } };

/** [description, spec, namespace, paths of the findings] */
const PEER_AUTHENTICATIONS: [string, JsonObject, string, string[]][] = [
  ['namespace-wide STRICT', { mtls: { mode: 'STRICT' } }, 'shop', []],
  ['namespace-wide PERMISSIVE', { mtls: { mode: 'PERMISSIVE' } }, 'shop', ['spec.mtls.mode']],
  ['namespace-wide DISABLE', { mtls: { mode: 'DISABLE' } }, 'shop', ['spec.mtls.mode']],
  ['namespace-wide UNSET', { mtls: { mode: 'UNSET' } }, 'shop', ['spec.mtls.mode']],
  ['namespace-wide with no mtls at all', {}, 'shop', ['spec.mtls']],
  ['an empty selector is namespace-wide', { selector: {}, mtls: { mode: 'UNSET' } }, 'shop', ['spec.mtls.mode']],
  ['mesh-wide UNSET', { mtls: { mode: 'UNSET' } }, 'istio-system', ['spec.mtls.mode']],
  ['mesh-wide STRICT', { mtls: { mode: 'STRICT' } }, 'istio-system', []],
  ['workload-level UNSET inherits', { ...WORKLOAD, mtls: { mode: 'UNSET' } }, 'shop', []],
  ['workload-level without mtls inherits', { ...WORKLOAD }, 'shop', []],
  ['workload-level PERMISSIVE', { ...WORKLOAD, mtls: { mode: 'PERMISSIVE' } }, 'shop', ['spec.mtls.mode']],
  ['a PERMISSIVE port', { ...WORKLOAD, mtls: { mode: 'STRICT' }, portLevelMtls: { '8080': { mode: 'PERMISSIVE' } } }, 'shop', ['spec.portLevelMtls.8080.mode']],
  ['an UNSET port', { ...WORKLOAD, portLevelMtls: { '9090': { mode: 'UNSET' } } }, 'shop', ['spec.portLevelMtls.9090.mode']],
  ['STRICT ports', { ...WORKLOAD, portLevelMtls: { '8080': { mode: 'STRICT' }, '9090': { mode: 'STRICT' } } }, 'shop', []],
];

describe('ZT-NET-006 PeerAuthentication', () => {
  for (const version of ['v1', 'v1beta1']) {
    for (const [description, spec, namespace, paths] of PEER_AUTHENTICATIONS) {
      test(`${version}: ${description} → ${paths.length === 0 ? 'allowed' : 'denied'}`, () => {
        expectFindingPaths(ID, peerAuthentication(version, spec, namespace), paths);
      });
    }
  }

  test('the message says which scope leaves the mode unset', () => {
    const [mesh] = findingsOf(review(peerAuthentication('v1', {}, 'istio-system')), ID);
    assert.equal(mesh!.summary, 'mesh-wide PeerAuthentication leaves the mTLS mode UNSET');
    const [namespaced] = findingsOf(review(peerAuthentication('v1', {})), ID);
    assert.equal(namespaced!.summary, 'namespace-wide PeerAuthentication leaves the mTLS mode UNSET');
  });

  test('a PERMISSIVE mode set from the root namespace is called mesh-wide, and why says it reaches every workload', () => {
    const table: [string, JsonObject, string, string][] = [
      ['root, no selector', { mtls: { mode: 'PERMISSIVE' } }, 'istio-system', 'mesh-wide PeerAuthentication sets the mTLS mode to PERMISSIVE'],
      ['root, one workload', { ...WORKLOAD, mtls: { mode: 'PERMISSIVE' } }, 'istio-system', 'PeerAuthentication sets the mTLS mode to PERMISSIVE'],
      ['a namespace', { mtls: { mode: 'DISABLE' } }, 'shop', 'PeerAuthentication sets the mTLS mode to DISABLE'],
    ];
    for (const [name, spec, namespace, summary] of table) {
      const [finding] = review(peerAuthentication('v1', spec, namespace)).violations.filter((v) => v.invariantId === ID);
      assert.equal(finding!.summary, summary, name);
      assert.equal(finding!.why.startsWith('every workload of the mesh'), summary.startsWith('mesh-wide'), name);
    }
  });
});

/** [description, spec, paths of the findings] */
const DESTINATION_RULES: [string, JsonObject, string[]][] = [
  ['DISABLE toward a short name', { host: 'reviews', trafficPolicy: { tls: { mode: 'DISABLE' } } }, ['spec.trafficPolicy.tls.mode']],
  ['SIMPLE toward a short name', { host: 'reviews', trafficPolicy: { tls: { mode: 'SIMPLE' } } }, ['spec.trafficPolicy.tls.mode']],
  ['ISTIO_MUTUAL', { host: 'reviews', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } }, []],
  ['MUTUAL with its own certificates', { host: 'reviews', trafficPolicy: { tls: { mode: 'MUTUAL' } } }, []],
  ['no tls settings', { host: 'reviews', trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } }, []],
  ['DISABLE toward a cluster FQDN', { host: 'reviews.shop.svc.cluster.local', trafficPolicy: { tls: { mode: 'DISABLE' } } }, ['spec.trafficPolicy.tls.mode']],
  ['DISABLE toward name.namespace.svc', { host: 'reviews.shop.svc', trafficPolicy: { tls: { mode: 'DISABLE' } } }, ['spec.trafficPolicy.tls.mode']],
  ['DISABLE toward *.local', { host: '*.local', trafficPolicy: { tls: { mode: 'DISABLE' } } }, ['spec.trafficPolicy.tls.mode']],
  ['SIMPLE toward an external host', { host: 'api.example.com', trafficPolicy: { tls: { mode: 'SIMPLE' } } }, []],
  ['DISABLE toward an external wildcard', { host: '*.example.com', trafficPolicy: { tls: { mode: 'DISABLE' } } }, []],
  [
    'a DISABLE port setting',
    { host: 'reviews', trafficPolicy: { portLevelSettings: [{ port: { number: 8080 }, tls: { mode: 'ISTIO_MUTUAL' } }, { port: { number: 9080 }, tls: { mode: 'DISABLE' } }] } },
    ['spec.trafficPolicy.portLevelSettings[1].tls.mode'],
  ],
  [
    'a SIMPLE subset',
    { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { tls: { mode: 'SIMPLE' } } }] },
    ['spec.subsets[1].trafficPolicy.tls.mode'],
  ],
];

describe('ZT-NET-006 DestinationRule', () => {
  for (const version of ['v1', 'v1beta1', 'v1alpha3']) {
    for (const [description, spec, paths] of DESTINATION_RULES) {
      test(`${version}: ${description} → ${paths.length === 0 ? 'allowed' : 'denied'}`, () => {
        expectFindingPaths(ID, destinationRule(version, spec), paths);
      });
    }
  }

  test('the message names the port and the host', () => {
    const spec = { host: 'reviews', trafficPolicy: { portLevelSettings: [{ port: { number: 9080 }, tls: { mode: 'DISABLE' } }] } };
    assert.equal(findingsOf(review(destinationRule('v1', spec)), ID)[0]!.summary, 'DestinationRule sets tls.mode DISABLE on port 9080 toward in-mesh host "reviews"');
  });

  test('unknown API versions are not reviewed', () => {
    assert.deepEqual(findingsOf(review(destinationRule('v2', { host: 'reviews', trafficPolicy: { tls: { mode: 'DISABLE' } } })), ID), []);
  });
});

describe('in-mesh hosts', () => {
  const CASES: [string, boolean][] = [
    ['reviews', true],
    ['reviews.shop.svc.cluster.local', true],
    ['reviews.shop.svc.cluster.local.', true],
    ['reviews.shop.svc', true],
    ['*.shop.svc.cluster.local', true],
    ['*.local', true],
    ['*', true],
    ['Reviews.Shop.SVC.Cluster.Local', true],
    ['reviews.shop', false],
    ['api.example.com', false],
    ['*.example.com', false],
  ];
  for (const [host, inMesh] of CASES) {
    test(`${host} → ${inMesh ? 'in the mesh' : 'outside'}`, () => assert.equal(isInMeshHost(host), inMesh));
  }
});
