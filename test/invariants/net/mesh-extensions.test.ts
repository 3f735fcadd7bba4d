import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { denialLine } from '../../../src/engine/messages.js';
import type { JsonObject } from '../../../src/util/json.js';
import { ALICE, configWith, findingsOf, review, ROOT, SECURITY_ADMIN, type RequestOptions } from './support.js';

const ID = 'ZT-NET-009';

function envoyFilter(namespace = 'shop', patch = 'REMOVE'): JsonObject {
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: 'drop-rbac', namespace },
    spec: {
      workloadSelector: { labels: { app: 'payments' } },
      configPatches: [
        {
          applyTo: 'HTTP_FILTER',
          match: { context: 'SIDECAR_INBOUND', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.rbac' } } } } },
          patch: { operation: patch },
        },
      ],
    },
  };
}

function wasmPlugin(namespace = 'shop'): JsonObject {
  return {
    apiVersion: 'extensions.istio.io/v1alpha1',
    kind: 'WasmPlugin',
    metadata: { name: 'header-rewrite', namespace },
    spec: { selector: { matchLabels: { app: 'payments' } }, url: 'oci://registry.example.com/header-rewrite:1.0', phase: 'AUTHN' },
  };
}

const BOB = { username: 'bob', groups: ['system:authenticated', 'shop:admins'] };
const MESH_OPS = { username: 'istio-operator', groups: ['system:serviceaccounts'] };

/** [description, object, request options, expected: 'denied' | 'allowed' | 'notice'] */
const CASES: [string, JsonObject, RequestOptions, 'denied' | 'allowed' | 'notice'][] = [
  ['a namespace admin creates an EnvoyFilter', envoyFilter(), { user: BOB }, 'denied'],
  ['a namespace admin creates a WasmPlugin', wasmPlugin(), { user: BOB }, 'denied'],
  ['a namespace admin changes an EnvoyFilter’s patch', envoyFilter('shop', 'MERGE'), { user: BOB, operation: 'UPDATE', oldObject: envoyFilter() }, 'denied'],
  ['a namespace admin deletes an EnvoyFilter', envoyFilter(), { user: BOB, operation: 'DELETE' }, 'denied'],
  ['a namespace admin deletes a WasmPlugin', wasmPlugin(), { user: BOB, operation: 'DELETE' }, 'denied'],
  ['a namespace admin creates one in the mesh root namespace', envoyFilter('istio-system'), { user: BOB }, 'denied'],
  ['a dry run is judged as the real request', envoyFilter(), { user: BOB, dryRun: true }, 'denied'],
  ['a security admin creates an EnvoyFilter', envoyFilter(), { user: SECURITY_ADMIN }, 'allowed'],
  ['a security admin deletes a WasmPlugin', wasmPlugin(), { user: SECURITY_ADMIN, operation: 'DELETE' }, 'allowed'],
  ['a namespace admin labels an existing EnvoyFilter (spec unchanged)', { ...envoyFilter(), metadata: { name: 'drop-rbac', namespace: 'shop', labels: { team: 'payments' } } }, { user: BOB, operation: 'UPDATE', oldObject: envoyFilter() }, 'allowed'],
  ['a break-glass admin creates an EnvoyFilter', envoyFilter(), { user: ROOT }, 'notice'],
  ['status written by istiod', envoyFilter(), { user: BOB, operation: 'UPDATE', oldObject: envoyFilter('shop', 'MERGE'), subResource: 'status' }, 'allowed'],
];

describe('ZT-NET-009', () => {
  for (const [description, object, options, expected] of CASES) {
    test(`${description} → ${expected}`, () => {
      const verdict = review(object, options);
      const findings = findingsOf(verdict, ID);
      assert.equal(verdict.allowed, expected !== 'denied', JSON.stringify(verdict.denials.map(denialLine)));
      assert.deepEqual(findings.map((finding) => finding.notice), expected === 'allowed' ? [] : [expected === 'notice']);
      if (expected === 'notice') assert.match(verdict.warnings.join('\n'), /^ZT-NET-009: break-glass: "root" creates EnvoyFilter "drop-rbac"/);
    });
  }

  test('the message names the user, the object, the reason and who may make the change', () => {
    const verdict = review(envoyFilter('istio-system'), { user: BOB });
    assert.equal(
      denialLine(verdict.denials[0]!),
      'ZT-NET-009: user "bob" creates EnvoyFilter "drop-rbac" in the mesh root namespace, where it can apply to every workload, but is not one of policy.meshExtensionOwners (spec); it changes the sidecar below the Istio APIs, so it can drop authorization, accept plaintext or reroute traffic whatever PeerAuthentication and AuthorizationPolicy say. Ask group ztgate:security-admins to make the change, or use an Istio API ztgate judges (AuthorizationPolicy, PeerAuthentication, DestinationRule).',
    );
    assert.match(denialLine(review(envoyFilter(), { user: BOB, operation: 'DELETE' }).denials[0]!), /^ZT-NET-009: user "bob" deletes EnvoyFilter "drop-rbac" but is not one of policy.meshExtensionOwners \(metadata\.name\)/);
  });

  test('policy.meshExtensionOwners names who may write them, by user or group', () => {
    const config = configWith({ policy: { meshExtensionOwners: { users: ['system:serviceaccount:istio-system:istio-operator'], groups: ['mesh-admins'] } } });
    const operator = { username: 'system:serviceaccount:istio-system:istio-operator', groups: MESH_OPS.groups };
    assert.equal(review(envoyFilter(), { user: operator }, config).allowed, true);
    assert.equal(review(envoyFilter(), { user: { username: 'mia', groups: ['mesh-admins'] } }, config).allowed, true);
    assert.equal(review(envoyFilter(), { user: SECURITY_ADMIN }, config).allowed, false, 'the default group is replaced, not added to');
    assert.match(denialLine(review(envoyFilter(), { user: ALICE }, config).denials[0]!), /Ask group mesh-admins or user system:serviceaccount:istio-system:istio-operator to make the change/);
  });

  test('namespaces outside protection are not judged: their filters reach only their own workloads', () => {
    const config = configWith({ protection: { excludeNamespaces: ['sandbox'] } });
    assert.deepEqual(findingsOf(review(envoyFilter('sandbox'), { user: BOB }, config), ID), []);
  });

  test('other Istio networking kinds are not mesh extensions', () => {
    const virtualService = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'vs', namespace: 'shop' }, spec: { hosts: ['web'] } };
    assert.deepEqual(findingsOf(review(virtualService, { user: BOB }), ID), []);
    const destinationRule = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'dr', namespace: 'shop' }, spec: { host: 'web' } };
    assert.deepEqual(findingsOf(review(destinationRule, { user: BOB }), ID), []);
  });
});
