/** Sidecar injection and identity as the API server applies them: dry run first, then for real. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import type { E2E } from '../harness/env.js';
import { assertAdmitted, getObject } from '../harness/expect.js';
import { annotationsOf, containerNames, deployment, findContainer, labelsOf, podOfDeployment, tokenVolumeOf, withoutServerFields, type Json } from '../harness/objects.js';

const SA = 'checkout';

export function injectionScenarios(env: () => E2E): void {
  describe('injection in a mesh namespace', () => {
    test("`kubectl apply --dry-run=server` of a Deployment's Pod shows the sidecar and identity; a real apply creates an equal Pod", async () => {
      const e = env();
      const ns = await e.namespace('mesh', { mesh: true, serviceAccounts: [SA] });
      await e.waitForMesh(ns, SA);
      const d = deployment('checkout', ns, {
        serviceAccountName: SA,
        containers: [{ ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { path: '/ready', port: 8080 } } }],
      });

      // The Deployment is reviewed, not mutated: injection happens to Pods, where the ReplicaSet creates them.
      const dryDeployment = await e.kubectl(['apply', '--dry-run=server', '-o', 'yaml', '-f', '-'], { as: 'bob', input: d });
      assertAdmitted(dryDeployment, 'dry-run apply of the Deployment');
      const template = ((parse(dryDeployment.stdout) as Json)['spec'] as Json)['template'] as Json;
      assert.deepEqual(containerNames(template), { containers: ['app'], initContainers: [] });

      const p = podOfDeployment(d, 'checkout-5d8f7c9b4-x2x7q');
      const dry = await e.kubectl(['apply', '--dry-run=server', '-o', 'yaml', '-f', '-'], { as: 'bob', input: p });
      assertAdmitted(dry, "dry-run apply of the Deployment's Pod");
      const dryPod = parse(dry.stdout) as Json;
      const names = containerNames(dryPod);
      const proxies = [...names.containers, ...names.initContainers].filter((n) => n === 'istio-proxy');
      assert.equal(proxies.length, 1, `one istio-proxy expected: ${JSON.stringify(names)}`);
      assert.ok(names.containers.includes('app'), JSON.stringify(names));
      assert.equal(labelsOf(dryPod)['ztgate.io/service-account'], SA);
      assert.equal(annotationsOf(dryPod)['ztgate.io/spiffe-id'], `spiffe://cluster.local/ns/${ns}/sa/${SA}`);
      assert.ok(annotationsOf(dryPod)['sidecar.istio.io/status'], 'injection status annotation');
      const probe = (findContainer(dryPod, 'app')?.['readinessProbe'] as Json | undefined)?.['httpGet'] as Json | undefined;
      assert.deepEqual({ path: probe?.['path'], port: probe?.['port'] }, { path: '/app-health/app/readyz', port: 15020 }, 'app probe rewritten to the agent');
      assert.equal(await getObject(e, ['pod', 'checkout-5d8f7c9b4-x2x7q', '-n', ns]), undefined, 'the dry run left a Pod behind');

      const real = await e.kubectl(['apply', '-o', 'yaml', '-f', '-'], { as: 'bob', input: p });
      assertAdmitted(real, "apply of the Deployment's Pod");
      assert.deepEqual(withoutServerFields(parse(real.stdout) as Json), withoutServerFields(dryPod));
      const stored = await getObject(e, ['pod', 'checkout-5d8f7c9b4-x2x7q', '-n', ns]);
      assert.ok(stored);
      assert.deepEqual(withoutServerFields(stored), withoutServerFields(dryPod));
    });

    test('replicas named by the API server (generateName) get the same injection, and repeats are replayed', async () => {
      const e = env();
      const ns = await e.namespace('replicas', { mesh: true, serviceAccounts: [SA] });
      await e.waitForMesh(ns, SA);
      const d = deployment('cart', ns, { serviceAccountName: SA, containers: [{ ports: [{ containerPort: 8080 }] }] });
      // What a ReplicaSet controller sends in a scale-out: the template's Pod with generateName, several at once.
      const replica = podOfDeployment(d, 'unused') as Json;
      const metadata = replica['metadata'] as Json;
      delete metadata['name'];
      metadata['generateName'] = 'cart-5d8f7c9b4-';
      const results = await Promise.all(
        Array.from({ length: 6 }, () => e.kubectl(['create', '-o', 'json', '-f', '-'], { as: 'bob', input: JSON.stringify(replica) })),
      );
      results.forEach((result, i) => assertAdmitted(result, `replica ${i + 1}`));
      const created = results.map((result) => JSON.parse(result.stdout) as Json);
      const names = created.map((pod) => String((pod['metadata'] as Json)['name']));
      assert.equal(new Set(names).size, 6, `six Pods named by the API server: ${names.join(', ')}`);
      // Each replica has a token volume of its own, mounted by every container, the sidecar's too.
      const tokens = created.map((pod) => tokenVolumeOf(pod));
      assert.equal(new Set(tokens).size, 6, `six token volumes: ${tokens.join(', ')}`);
      const proxy = findContainer(created[0]!, 'istio-proxy');
      assert.ok(proxy, 'the sidecar was injected');
      assert.ok(JSON.stringify(proxy['volumeMounts']).includes(tokens[0]!), 'the ServiceAccount plugin mounted the token into the sidecar');
      const specs = created.map((pod) => JSON.stringify(withoutServerFields(pod)['spec']));
      for (const spec of specs) assert.equal(spec, specs[0], 'every replica got the same mutation');
      // The API server sends each replica as the same text but for the uid, the token volume's name and
      // managedFields' time (to the second): the first two sightings are decided, later ones replayed.
      const replayed = await e.ztgate.waitForDecisions(
        'a replayed mutation of a replica',
        (line) => line['webhook'] === 'mutate' && line['namespace'] === ns && line['recalled'] === true,
      );
      assert.ok(replayed.every((line) => line['allowed'] === true && line['mutated'] === true), JSON.stringify(replayed));
    });
  });
}
