/**
 * The starter policy pack (deploy/policies, a kustomize Component, rendered through the fixture
 * kustomization that includes it) and the example application (examples/app), applied the way
 * docs/policy-pack.md says: the pack by an owner of tier `security` (alice), the application by its team
 * (bob). Every object must be admitted and reviewed by ztgate, the example's Pods get their sidecar, and a
 * non-owner can neither edit nor delete the quarantine policy.
 *
 * Runs after the Calico scenario, which creates the Tier `security` with `kubectl create`: the pack then
 * updates it, as it would a tier that existed before the pack.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { KubectlResult } from '../control-plane/cluster.js';
import { REPO_ROOT } from '../harness/build.js';
import { denialOf, ISTIO_ROOT_NAMESPACE, type E2E, type User } from '../harness/env.js';
import { assertAdmitted, assertDenied, CALICO, escapeRegExp, getObject, MESH_ROOT, parseJson, warningLines } from '../harness/expect.js';
import { pollUntil } from '../harness/processes.js';
import {
  annotationsOf,
  containerNames,
  findContainer,
  labelsOf,
  list,
  namespaceObject,
  podOfDeployment,
  resourceVersion,
  withoutServerFields,
  type Json,
} from '../harness/objects.js';

const PACK = join(REPO_ROOT, 'test', 'policy-pack', 'fixtures', 'kustomize', 'component');
const EXAMPLE = join(REPO_ROOT, 'examples', 'app');
const QUARANTINE = 'security.quarantine';
const ANCHOR = 'zero-trust-default-deny';
const GNP = 'globalnetworkpolicy.projectcalico.org';
const NON_OWNER = ['ZT-NET-003: user "bob"', 'not one of its owners'];

async function render(e: E2E, dir: string): Promise<Json[]> {
  const r = await e.kubectl(['kustomize', dir]);
  if (r.code !== 0) throw new Error(`kubectl kustomize ${dir}: ${denialOf(r)}`);
  return parseAllDocuments(r.stdout).flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`kubectl kustomize ${dir} printed invalid YAML: ${document.errors[0]?.message}`);
    const object = document.toJS() as Json | null;
    return object ? [object] : [];
  });
}

const groupOf = (o: Json): string => (String(o['apiVersion']).includes('/') ? String(o['apiVersion']).split('/')[0]! : '');
const metadataOf = (o: Json): Json => (o['metadata'] ?? {}) as Json;
const nameOf = (o: Json): string => String(metadataOf(o)['name']);

/** kubectl's name for an object, in apply output and as a `get` argument: `<kind>.<group>/<name>`. */
function kubectlName(o: Json): string {
  const group = groupOf(o);
  return `${String(o['kind']).toLowerCase()}${group ? `.${group}` : ''}/${nameOf(o)}`;
}

function getArgs(o: Json): string[] {
  const namespace = metadataOf(o)['namespace'];
  return [kubectlName(o), ...(typeof namespace === 'string' ? ['-n', namespace] : [])];
}

function describeObject(o: Json): string {
  const namespace = metadataOf(o)['namespace'];
  return `${kubectlName(o)}${typeof namespace === 'string' ? ` in ${namespace}` : ''}`;
}

/** `kubectl apply` printed one line per object, each saying it was written (or already was). */
function assertEveryObjectApplied(r: KubectlResult, objects: Json[], what: string, suffix = ''): void {
  assertAdmitted(r, what);
  const lines = r.stdout.split('\n');
  for (const o of objects) {
    const line = new RegExp(`^${escapeRegExp(kubectlName(o))} (created|configured|unchanged)${escapeRegExp(suffix)}$`);
    assert.ok(lines.some((l) => line.test(l)), `${what}: kubectl printed no line for ${describeObject(o)}; ${denialOf(r)}`);
  }
}

/** Warnings other than kubectl's own about a missing last-applied annotation (the Tier was `kubectl create`d). */
function ztgateWarnings(r: KubectlResult): string[] {
  return warningLines(r).filter((line) => !line.includes('kubectl.kubernetes.io/last-applied-configuration'));
}

/** ztgate's validating review of each object's real (not dry-run) write since `since` was logged, and allowed. */
async function assertReviewedAndAllowed(e: E2E, objects: Json[], by: User, since: string): Promise<void> {
  for (const o of objects) {
    if (o['kind'] === 'Namespace' || o['kind'] === 'ServiceAccount') continue; // not kinds ztgate reviews
    const decisions = await e.ztgate.waitForDecisions(
      `the review of ${describeObject(o)}`,
      (d) =>
        String(d['time']) >= since &&
        d['webhook'] === 'validate' &&
        d['dryRun'] === false &&
        d['kind'] === o['kind'] &&
        d['namespace'] === (metadataOf(o)['namespace'] ?? '') &&
        d['name'] === nameOf(o),
    );
    assert.ok(decisions.every((d) => d['allowed'] === true), `${describeObject(o)} by ${by}: ${JSON.stringify(decisions)}`);
  }
}

function proxyCount(p: Json): number {
  const names = containerNames(p);
  return [...names.containers, ...names.initContainers].filter((name) => name === 'istio-proxy').length;
}

export function policyPackScenarios(env: () => E2E): void {
  describe('the starter policy pack and the example application', () => {
    let pack: Json[] = [];
    let example: Json[] = [];

    test('an owner of tier security applies the pack: every object admitted without warning, reviewed, stored as sent', async () => {
      const e = env();
      pack = await render(e, PACK);
      assert.ok(pack.some((o) => o['kind'] === 'GlobalNetworkPolicy' && nameOf(o) === QUARANTINE), `the pack renders ${QUARANTINE}: ${pack.map(kubectlName).join(', ')}`);
      // Istio's install creates its root namespace; the mesh-wide PeerAuthentication lives there.
      assertAdmitted(await e.kubectl(['apply', '-f', '-'], { input: list([namespaceObject(ISTIO_ROOT_NAMESPACE)]) }), `namespace ${ISTIO_ROOT_NAMESPACE}`);

      const dry = await e.kubectl(['apply', '--dry-run=server', '-f', '-'], { as: 'alice', input: list(pack) });
      assertEveryObjectApplied(dry, pack, 'server dry run of the pack by alice', ' (server dry run)');
      const since = new Date().toISOString();
      const real = await e.kubectl(['apply', '-f', '-'], { as: 'alice', input: list(pack) });
      assertEveryObjectApplied(real, pack, 'the pack by alice');
      assert.deepEqual(ztgateWarnings(real), [], 'the pack draws no warning (ZT-NET-002 and the rest)');

      for (const o of pack) {
        const stored = await getObject(e, getArgs(o));
        assert.ok(stored, `${describeObject(o)} is stored`);
        assert.deepEqual(stored['spec'], o['spec'], `${describeObject(o)} is stored as the pack has it`);
      }
      await assertReviewedAndAllowed(e, pack, 'alice', since);
    });

    test('its team applies the example application: every object admitted without warning and reviewed', async () => {
      const e = env();
      example = await render(e, EXAMPLE);
      assert.ok(example.filter((o) => o['kind'] === 'Deployment').length >= 2, `two services: ${example.map(kubectlName).join(', ')}`);
      const since = new Date().toISOString();
      const r = await e.kubectl(['apply', '-f', '-'], { as: 'bob', input: list(example) });
      assertEveryObjectApplied(r, example, 'examples/app by bob');
      assert.deepEqual(warningLines(r), [], 'the example draws no warning');
      for (const o of example) assert.ok(await getObject(e, getArgs(o)), `${describeObject(o)} is stored`);
      await assertReviewedAndAllowed(e, example, 'bob', since);
    });

    test("each Deployment's Pod, created from its template, gets one sidecar, its identity, and its probe on the port the pack opens", async () => {
      const e = env();
      const deployments = example.filter((o) => o['kind'] === 'Deployment');
      assert.ok(deployments.length >= 2, 'the example application was applied (previous test)');
      const namespace = String(metadataOf(deployments[0]!)['namespace']);
      const account = (d: Json): string => String(((((d['spec'] as Json)['template'] as Json)['spec'] as Json)['serviceAccountName']));
      await e.waitForMesh(namespace, account(deployments[0]!));

      const probes = pack.find((o) => nameOf(o) === 'security.allow-kubelet-probes');
      const opened = ((((probes?.['spec'] as Json | undefined)?.['ingress'] as Json[] | undefined)?.[0]?.['destination'] as Json | undefined)?.['ports'] ?? []) as number[];
      for (const d of deployments) {
        const sa = account(d);
        // No controller-manager runs: create the Pod its ReplicaSet would.
        const p = podOfDeployment(d, `${nameOf(d)}-6c9f7d8b5-e2e01`);
        const r = await e.kubectl(['create', '-o', 'json', '-f', '-'], { as: 'bob', input: p });
        assertAdmitted(r, `the Pod of deployment ${nameOf(d)}`);
        const created = parseJson(r, `the Pod of deployment ${nameOf(d)}`);
        assert.equal(proxyCount(created), 1, `one istio-proxy in ${nameOf(d)}'s Pod: ${JSON.stringify(containerNames(created))}`);
        const app = String(((((d['spec'] as Json)['template'] as Json)['spec'] as Json)['containers'] as Json[])[0]!['name']);
        assert.ok(containerNames(created).containers.includes(app), `${app} is kept`);
        assert.equal(labelsOf(created)['ztgate.io/service-account'], sa);
        assert.equal(annotationsOf(created)['ztgate.io/spiffe-id'], `spiffe://cluster.local/ns/${namespace}/sa/${sa}`);
        const probe = (findContainer(created, app)?.['readinessProbe'] as Json | undefined)?.['httpGet'] as Json | undefined;
        assert.deepEqual({ path: probe?.['path'], port: probe?.['port'] }, { path: `/app-health/${app}/readyz`, port: 15020 }, `${app}'s probe goes through the agent`);
        assert.ok(opened.includes(15020), `security.allow-kubelet-probes opens the rewritten probe port: ${JSON.stringify(opened)}`);
        const stored = await getObject(e, ['pod', String(metadataOf(created)['name']), '-n', namespace]);
        assert.ok(stored);
        assert.deepEqual(withoutServerFields(stored), withoutServerFields(created), 'the stored Pod is the one kubectl printed');
      }
    });

    test('a non-owner can neither edit (kubectl patch, apply) nor delete security.quarantine: ZT-NET-003, nothing changed', async () => {
      const e = env();
      const before = await getObject(e, [GNP, QUARANTINE]);
      assert.ok(before, `${QUARANTINE} exists (applied by the first test)`);
      const unchanged = async (after: string): Promise<void> => {
        const now = await getObject(e, [GNP, QUARANTINE]);
        assert.ok(now, `${QUARANTINE} is still there after ${after}`);
        assert.equal(resourceVersion(now), resourceVersion(before), `${after} changed ${QUARANTINE}`);
        assert.deepEqual(now['spec'], before['spec']);
        assert.equal(metadataOf(now)['deletionTimestamp'], undefined);
      };

      // Lift the quarantine by pointing its selector at a label no Pod carries.
      const lift = JSON.stringify([{ op: 'replace', path: '/spec/selector', value: "ztgate.io/quarantine == 'lifted'" }]);
      const patched = await e.kubectl(['patch', GNP, QUARANTINE, '--type=json', '-p', lift], { as: 'bob' });
      assertDenied(patched, 'bob patching the quarantine', [...NON_OWNER, `changes policy "${QUARANTINE}"`], CALICO);
      await unchanged('kubectl patch');

      // Or let quarantined Pods talk out again: the pack's own object, without its egress deny.
      const quarantine = structuredClone(pack.find((o) => nameOf(o) === QUARANTINE)!);
      const spec = quarantine['spec'] as Json;
      spec['types'] = ['Ingress'];
      delete spec['egress'];
      const applied = await e.kubectl(['apply', '-f', '-'], { as: 'bob', input: quarantine });
      assertDenied(applied, 'bob applying a weaker quarantine', [...NON_OWNER, `changes policy "${QUARANTINE}"`], CALICO);
      await unchanged('kubectl apply');

      const deleted = await e.kubectl(['delete', GNP, QUARANTINE], { as: 'bob' });
      assertDenied(deleted, 'bob deleting the quarantine', [...NON_OWNER, `deletes policy "${QUARANTINE}"`], CALICO);
      await unchanged('kubectl delete');
    });

    test('outside the security tier the pack’s own rule (policy-pack-guard) keeps the default-tier anchor and mesh-wide mTLS to the security team', async () => {
      const e = env();
      // ztgate learns the rule from its watch of the API server once the pack is applied.
      const deleteAnchor = (as: User) => e.kubectl(['delete', GNP, ANCHOR, '--dry-run=server'], { as });
      const refused = await pollUntil('ztgate enforces policy-pack-guard', 20_000, async () => {
        const r = await deleteAnchor('bob');
        return r.code !== 0 ? r : undefined;
      });
      assertDenied(refused, 'bob deleting the default-tier anchor', [`ZT-RULE policy-pack-guard: user "bob" may not delete GlobalNetworkPolicy ${ANCHOR}`], CALICO);
      const real = await e.kubectl(['delete', GNP, ANCHOR], { as: 'bob' });
      assertDenied(real, 'bob deleting the default-tier anchor for real', ['ZT-RULE policy-pack-guard: '], CALICO);
      assert.ok(await getObject(e, [GNP, ANCHOR]), `${ANCHOR} is still there`);

      const mtls = await e.kubectl(['delete', 'peerauthentication.security.istio.io', 'default', '-n', ISTIO_ROOT_NAMESPACE], { as: 'bob' });
      assertDenied(mtls, 'bob deleting the mesh-wide PeerAuthentication', [`ZT-RULE policy-pack-guard: user "bob" may not delete PeerAuthentication ${ISTIO_ROOT_NAMESPACE}/default`], MESH_ROOT);
      assert.ok(await getObject(e, ['peerauthentication.security.istio.io', 'default', '-n', ISTIO_ROOT_NAMESPACE]));

      assertAdmitted(await e.kubectl(['label', GNP, ANCHOR, 'team=platform'], { as: 'bob' }), 'bob relabelling the anchor');
      assertAdmitted(await deleteAnchor('alice'), 'alice (ztgate:security-admins) deleting the anchor, as a server dry run');
    });
  });
}
