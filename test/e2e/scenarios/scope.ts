/** What ztgate never sees, and what it sees but does not judge. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EXCLUDED_NAMESPACE, ISTIO_ROOT_NAMESPACE, SENTINEL_NAMESPACE, ZTGATE_SYSTEM, type E2E } from '../harness/env.js';
import { assertAdmitted, assertDenied, CALICO, getObject, MESH_ROOT } from '../harness/expect.js';
import { containerNames, labelsOf, pod } from '../harness/objects.js';
import { authorizationPolicy, peerAuthentication } from './istio.js';

/** Breaks ZT-POD-001, -003 and -004 at once: any review of it would deny it. */
function offender(name: string, ns: string) {
  return pod(name, ns, {
    serviceAccountName: 'default',
    containers: [{ securityContext: { runAsUser: 1337, capabilities: { add: ['NET_ADMIN'] } } }],
  });
}

export function scopeScenarios(env: () => E2E): void {
  describe('scope', () => {
    test('kube-system and ztgate-system are never intercepted, even labelled for injection', async () => {
      const e = env();
      const label = await e.kubectl(['label', 'namespace', ZTGATE_SYSTEM, 'istio-injection=enabled', '--overwrite']);
      assertAdmitted(label, 'labelling ztgate-system for injection');
      for (const ns of ['kube-system', ZTGATE_SYSTEM]) {
        const r = await e.kubectl(['create', '-o', 'json', '-f', '-'], { as: 'bob', input: offender('never-reviewed', ns) });
        assertAdmitted(r, `an offending Pod in ${ns}`);
        const stored = await getObject(e, ['pod', 'never-reviewed', '-n', ns]);
        assert.ok(stored);
        assert.deepEqual(containerNames(stored), { containers: ['app'], initContainers: [] }, `${ns}: no sidecar`);
        assert.equal(labelsOf(stored)['ztgate.io/service-account'], undefined, `${ns}: no identity label`);
      }
      // A later request ztgate does see: once its decision is logged, any earlier one would be too.
      const marker = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { input: offender('scope-marker', SENTINEL_NAMESPACE) });
      assert.notEqual(marker.code, 0, 'the marker request should be denied');
      await e.ztgate.waitForDecisions('the marker decision', (d) => d['namespace'] === SENTINEL_NAMESPACE && d['name'] === 'scope-marker');
      const seen = e.ztgate.decisions().map((d) => String(d['namespace']));
      assert.deepEqual(seen.filter((ns) => ns === 'kube-system' || ns === ZTGATE_SYSTEM), [], 'ztgate was sent requests from excluded namespaces');
    });

    test('a namespace in protection.excludeNamespaces is reviewed (by the fail-open webhook) but not judged', async () => {
      const e = env();
      const r = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: offender('not-judged', EXCLUDED_NAMESPACE) });
      assertAdmitted(r, `an offending Pod in ${EXCLUDED_NAMESPACE}`);
      const decisions = await e.ztgate.waitForDecisions(
        `a decision for ${EXCLUDED_NAMESPACE}/not-judged`,
        (d) => d['namespace'] === EXCLUDED_NAMESPACE && d['name'] === 'not-judged',
      );
      assert.ok(decisions.every((d) => d['allowed'] === true), JSON.stringify(decisions));
    });

    test('the Istio root namespace, excluded from protection: its Pods are not judged, its mesh-wide PeerAuthentication and AuthorizationPolicy are (mesh-root.ztgate.io)', async () => {
      const e = env();
      const dryRun = ['create', '--dry-run=server', '-f', '-'];
      assertAdmitted(await e.kubectl(dryRun, { as: 'bob', input: offender('root-workload', ISTIO_ROOT_NAMESPACE) }), `an offending Pod in ${ISTIO_ROOT_NAMESPACE}`);
      const permissive = await e.kubectl(dryRun, { as: 'bob', input: peerAuthentication('e2e-mesh-wide', ISTIO_ROOT_NAMESPACE, 'PERMISSIVE') });
      assertDenied(permissive, 'a mesh-wide PERMISSIVE PeerAuthentication', ['ZT-NET-006: mesh-wide PeerAuthentication sets the mTLS mode to PERMISSIVE'], MESH_ROOT);
      const allowAll = await e.kubectl(dryRun, { as: 'bob', input: authorizationPolicy('e2e-allow-all', ISTIO_ROOT_NAMESPACE, [{}]) });
      assertDenied(allowAll, 'a mesh-wide allow-all AuthorizationPolicy', ['ZT-NET-007: '], MESH_ROOT);
      assertAdmitted(await e.kubectl(dryRun, { as: 'bob', input: peerAuthentication('e2e-mesh-wide', ISTIO_ROOT_NAMESPACE, 'STRICT') }), 'a mesh-wide STRICT PeerAuthentication');
      // Another excluded namespace is not the root: its Istio policy is not judged there.
      assertAdmitted(await e.kubectl(dryRun, { as: 'bob', input: peerAuthentication('e2e-namespace-wide', EXCLUDED_NAMESPACE, 'PERMISSIVE') }), `a PERMISSIVE PeerAuthentication in ${EXCLUDED_NAMESPACE}`);
    });

    test('tier ownership still holds in an excluded namespace: a non-owner\'s policy in tier security is denied', async () => {
      const e = env();
      const policy = {
        apiVersion: 'projectcalico.org/v3',
        kind: 'NetworkPolicy',
        metadata: { name: 'security.allow-from-anywhere', namespace: EXCLUDED_NAMESPACE },
        spec: { tier: 'security', order: 1, selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Allow', source: { nets: ['10.0.0.0/8'] } }] },
      };
      const r = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: policy });
      assertDenied(r, `bob's security-tier NetworkPolicy in ${EXCLUDED_NAMESPACE}`, ['ZT-NET-003: user "bob"', 'not one of its owners'], CALICO);
      assert.equal(await getObject(e, ['networkpolicies.projectcalico.org', 'security.allow-from-anywhere', '-n', EXCLUDED_NAMESPACE]), undefined);
    });
  });
}
