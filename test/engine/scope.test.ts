/**
 * Istio policy in its root namespace applies to every workload of the mesh, so it is judged as protected
 * policy however the config scopes that namespace; everything else there follows protection as usual.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decide } from '../../src/engine/decide.js';
import type { JsonObject } from '../../src/util/json.js';
import { admissionRequest, ALICE, configWith, deniedIds, FIXED_NOW } from '../invariants/net/support.js';
import { basePod, withFields } from '../invariants/pod/fixtures.js';

const ROOT = 'istio-system';

const istio = (apiVersion: string, kind: string, name: string, namespace: string, spec: JsonObject): JsonObject => ({ apiVersion, kind, metadata: { name, namespace }, spec });

/** [object, the invariant that refuses it in a protected namespace], each built for a namespace. */
const MESH_WIDE: [string, (namespace: string) => JsonObject, string][] = [
  ['a PERMISSIVE PeerAuthentication', (ns) => istio('security.istio.io/v1', 'PeerAuthentication', 'default', ns, { mtls: { mode: 'PERMISSIVE' } }), 'ZT-NET-006'],
  ['an allow-all AuthorizationPolicy', (ns) => istio('security.istio.io/v1', 'AuthorizationPolicy', 'allow-all', ns, { rules: [{}] }), 'ZT-NET-007'],
  ['a DestinationRule that disables TLS for *.local', (ns) => istio('networking.istio.io/v1', 'DestinationRule', 'default', ns, { host: '*.local', trafficPolicy: { tls: { mode: 'DISABLE' } } }), 'ZT-NET-006'],
  ['an EnvoyFilter written by a non-owner', (ns) => istio('networking.istio.io/v1alpha3', 'EnvoyFilter', 'lua', ns, { configPatches: [] }), 'ZT-NET-009'],
  ['a WasmPlugin written by a non-owner', (ns) => istio('extensions.istio.io/v1alpha1', 'WasmPlugin', 'auth', ns, { url: 'oci://registry.example/auth:1' }), 'ZT-NET-009'],
];

/** [how the config scopes the root namespace, config, labels of the root namespace]: in none of them is it protected. */
const UNPROTECTED_ROOTS: [string, JsonObject, Record<string, string>][] = [
  ['excluded by name', { protection: { excludeNamespaces: [ROOT, 'legacy'] } }, {}],
  ['not matched by the protection selector', { protection: { excludeNamespaces: ['legacy'], namespaceSelector: { matchLabels: { 'zero-trust': 'enabled' } } } }, {}],
  ['a namespace of another name, excluded', { protection: { excludeNamespaces: ['mesh-config', 'legacy'] }, policy: { istioRootNamespace: 'mesh-config' } }, {}],
];

function verdictOf(object: JsonObject, raw: JsonObject, namespaceLabels: Record<string, string> = {}) {
  return decide(admissionRequest(object, { user: ALICE }), { namespaceLabels, now: FIXED_NOW }, configWith(raw));
}

describe('the Istio root namespace', () => {
  for (const [scoped, raw, labels] of UNPROTECTED_ROOTS) {
    const root = (raw['policy'] as { istioRootNamespace?: string } | undefined)?.istioRootNamespace ?? ROOT;
    for (const [what, build, id] of MESH_WIDE) {
      test(`${scoped}: ${what} there is refused (${id}); in another unprotected namespace it is not judged`, () => {
        assert.deepEqual(deniedIds(verdictOf(build(root), raw, labels)), [id]);
        assert.deepEqual(deniedIds(verdictOf(build('legacy'), raw)), [], 'legacy is excluded and not the root');
      });
    }
    test(`${scoped}: its workloads are still spared the workload invariants`, () => {
      const offending = withFields(basePod(), { 'metadata.namespace': root, 'spec.serviceAccountName': 'default', 'spec.hostNetwork': true });
      const verdict = verdictOf(offending, raw, labels);
      assert.equal(verdict.allowed, true, JSON.stringify(verdict.denials.map((denial) => denial.invariantId)));
      assert.equal(verdictOf(offending, {}).allowed, false, 'the same Pod is refused where the root namespace is protected');
    });
  }

  test('a protected root namespace judges them as before', () => {
    for (const [what, build, id] of MESH_WIDE) assert.deepEqual(deniedIds(verdictOf(build(ROOT), {})), [id], what);
  });

  test('an exception for the root namespace still admits, with its audit annotation', () => {
    const raw = {
      protection: { excludeNamespaces: [ROOT] },
      exceptions: [{ name: 'mesh-migration', invariants: ['ZT-NET-006'], namespaces: [ROOT], reason: 'PERMISSIVE while the last VMs join the mesh (OPS-31)' }],
    };
    const verdict = verdictOf(MESH_WIDE[0]![1](ROOT), raw);
    assert.equal(verdict.allowed, true);
    assert.equal(verdict.violations[0]?.exceptedBy, 'mesh-migration');
    assert.ok(Object.values(verdict.auditAnnotations).some((value) => value.startsWith('mesh-migration: PERMISSIVE')), JSON.stringify(verdict.auditAnnotations));
  });

  test('listed in systemNamespaces, the root namespace is never evaluated (the config says so)', () => {
    const raw = { systemNamespaces: ['kube-system', 'kube-public', 'kube-node-lease', ROOT] };
    for (const [what, build] of MESH_WIDE) {
      const verdict = verdictOf(build(ROOT), raw);
      assert.equal(verdict.allowed, true, what);
      assert.match(verdict.skipped ?? '', /namespace istio-system is never evaluated/, what);
    }
  });
});
