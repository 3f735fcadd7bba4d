/**
 * Calico policy in the protected tier `security` (owners: group ztgate:security-admins = alice; bob is a
 * developer). Every request is sent twice, as a server dry run and for real: both must get the same answer,
 * and the dry run must change nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubectlResult } from '../control-plane/cluster.js';
import type { E2E, User } from '../harness/env.js';
import { assertAdmitted, assertDenied, CALICO, denialMessage, getObject, warningLines } from '../harness/expect.js';
import { resourceVersion, type Json } from '../harness/objects.js';

const GNP = 'globalnetworkpolicies.projectcalico.org';

function gnp(name: string, spec: Json): Json {
  return { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name }, spec: { tier: 'security', ...spec } };
}

const ALLOW_ALL = gnp('security.allow-all', { order: 10, selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Allow' }] });

function webToApi(order: number): Json {
  return gnp('security.web-to-api', {
    order,
    selector: 'app == "api"',
    types: ['Ingress'],
    ingress: [
      {
        action: 'Allow',
        protocol: 'TCP',
        source: { selector: 'app == "web"', serviceAccounts: { names: ['web'] } },
        destination: { ports: [8080] },
      },
    ],
  });
}

/**
 * The same request as a server dry run, then for real; asserts both got the same answer. `watched` (kubectl
 * get arguments) is read between the two, to show what the dry run left behind.
 */
async function twice(e: E2E, args: string[], as: User, input: Json | undefined, watched: string[]): Promise<{ dry: KubectlResult; real: KubectlResult; afterDry: Json | undefined }> {
  const call = input === undefined ? { as } : { as, input };
  const dry = await e.kubectl([...args, '--dry-run=server'], call);
  const afterDry = await getObject(e, watched);
  const real = await e.kubectl(args, call);
  assert.equal(dry.code, real.code, `dry run and real request disagree:\ndry: ${dry.stderr}\nreal: ${real.stderr}`);
  if (dry.code !== 0) assert.equal(denialMessage(dry), denialMessage(real));
  return { dry, real, afterDry };
}

export function calicoScenarios(env: () => E2E): void {
  describe('Calico policy in the protected tier', () => {
    test('an owner creates the Tier', async () => {
      const e = env();
      const tier = { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } };
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'alice', input: tier }), 'alice creating Tier security');
    });

    test('a non-owner cannot create a Tier that Calico would apply ahead of it (dry run: same, nothing stored)', async () => {
      const e = env();
      const early = { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'early' }, spec: { order: 1 } };
      const { dry, real, afterDry } = await twice(e, ['create', '-f', '-'], 'bob', early, ['tiers.projectcalico.org', 'early']);
      for (const r of [dry, real]) {
        assertDenied(r, 'bob creating Tier early at order 1', ['ZT-NET-003: user "bob" creates tier "early" at order 1, ahead of protected tier "security" (order 100)'], CALICO);
      }
      assert.equal(afterDry, undefined, 'the dry run stored the Tier');
      assert.equal(await getObject(e, ['tiers.projectcalico.org', 'early']), undefined);
      const late = { ...early, metadata: { name: 'late' }, spec: { order: 500 } };
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: late }), 'bob creating Tier late at order 500, after security');
      assertAdmitted(await e.kubectl(['delete', 'tiers.projectcalico.org', 'late'], { as: 'bob' }), 'bob deleting Tier late');
    });

    test('a GlobalNetworkPolicy with an allow-all rule is rejected, even for an owner (dry run: same, nothing stored)', async () => {
      const e = env();
      const { dry, real, afterDry } = await twice(e, ['create', '-f', '-'], 'alice', ALLOW_ALL, [GNP, 'security.allow-all']);
      for (const r of [dry, real]) assertDenied(r, 'allow-all GlobalNetworkPolicy', ['ZT-NET-001: ingress rule 0 allows'], CALICO);
      assert.equal(afterDry, undefined, 'the dry run stored the policy');
      assert.equal(await getObject(e, [GNP, 'security.allow-all']), undefined);
    });

    test('the same policy with proper identities, by an owner, is admitted (dry run stores nothing)', async () => {
      const e = env();
      const dry = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'alice', input: webToApi(100) });
      assertAdmitted(dry, 'dry run of the proper policy');
      assert.equal(await getObject(e, [GNP, 'security.web-to-api']), undefined, 'the dry run stored the policy');
      const real = await e.kubectl(['create', '-f', '-'], { as: 'alice', input: webToApi(100) });
      assertAdmitted(real, 'the proper policy by alice');
      assert.deepEqual(warningLines(real), [], 'a policy naming both identities draws no warning');
      assert.ok(await getObject(e, [GNP, 'security.web-to-api']));
    });

    test("a non-owner's update is rejected (dry run: same answer, object unchanged)", async () => {
      const e = env();
      const before = resourceVersion(await getObject(e, [GNP, 'security.web-to-api']));
      const { dry, real, afterDry } = await twice(e, ['apply', '-f', '-'], 'bob', webToApi(50), [GNP, 'security.web-to-api']);
      for (const r of [dry, real]) assertDenied(r, "bob's update", ['ZT-NET-003: user "bob"', 'not one of its owners'], CALICO);
      assert.equal(resourceVersion(afterDry), before, 'the dry run changed the object');
      assert.equal(resourceVersion(await getObject(e, [GNP, 'security.web-to-api'])), before);
    });

    test("a non-owner's delete is rejected (dry run: same answer, object still there)", async () => {
      const e = env();
      const before = resourceVersion(await getObject(e, [GNP, 'security.web-to-api']));
      const { dry, real, afterDry } = await twice(e, ['delete', GNP, 'security.web-to-api'], 'bob', undefined, [GNP, 'security.web-to-api']);
      for (const r of [dry, real]) assertDenied(r, "bob's delete", ['ZT-NET-003: user "bob"'], CALICO);
      assert.equal(resourceVersion(afterDry), before, 'the dry run deleted or changed the object');
      assert.equal(resourceVersion(await getObject(e, [GNP, 'security.web-to-api'])), before);
    });

    test("an owner's server dry-run delete is admitted and deletes nothing", async () => {
      const e = env();
      const r = await e.kubectl(['delete', GNP, 'security.web-to-api', '--dry-run=server'], { as: 'alice' });
      assertAdmitted(r, "alice's dry-run delete");
      assert.ok(await getObject(e, [GNP, 'security.web-to-api']), 'the dry run deleted the policy');
    });
  });
}
