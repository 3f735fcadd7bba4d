/** Registration through `ztgate manifests --config` (the suite's config), as the API server stores it. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ztgateCli } from '../harness/cli.js';
import { EXCLUDED_NAMESPACE, type E2E } from '../harness/env.js';
import { CALICO, EXTERNAL_IPS, getObject, MESH_ROOT, MESH_ROUTING, MUTATING, NAMESPACES, NEW_NAMESPACES, RULES_IGNORE, VALIDATING } from '../harness/expect.js';
import type { Json } from '../harness/objects.js';
import { pollUntil } from '../harness/processes.js';
import { applyAsAdmin, webhooksOf } from '../harness/registration.js';

export function registrationScenarios(env: () => E2E): void {
  describe('registration', () => {
    test('the API server holds the configurations `ztgate manifests --config --url --ca-file` rendered, pointed at ztgate', async () => {
      const e = env();
      const ca = Buffer.from(e.pki.ca.certPem).toString('base64');
      const expect = (name: string): { path: string; failurePolicy: string } | undefined => {
        if (name === VALIDATING || name === CALICO || name === NAMESPACES || name === EXTERNAL_IPS || name === MESH_ROUTING || name === MESH_ROOT) return { path: '/validate/fail', failurePolicy: 'Fail' };
        if (name === NEW_NAMESPACES || name === RULES_IGNORE || /^unprotected-\d+\.ztgate\.io$/.test(name)) return { path: '/validate/ignore', failurePolicy: 'Ignore' };
        if (name === MUTATING) return { path: '/mutate', failurePolicy: 'Ignore' };
        return undefined;
      };
      const seen: string[] = [];
      for (const rendered of e.registration) {
        const kind = String(rendered['kind']).toLowerCase();
        const name = String((rendered['metadata'] as Json)['name']);
        const stored = await getObject(e, [kind, name]);
        assert.ok(stored, `${kind} ${name} is not stored`);
        const hooks = webhooksOf(stored);
        assert.equal(hooks.length, webhooksOf(rendered).length, `${kind} ${name}: webhook count`);
        for (const [i, hook] of hooks.entries()) {
          const hookName = String(hook['name']);
          seen.push(hookName);
          const want = expect(hookName);
          assert.ok(want, `unexpected webhook ${hookName} in ${kind} ${name}`);
          const clientConfig = hook['clientConfig'] as Json;
          assert.equal(clientConfig['url'], `${e.ztgate.url}${want.path}`);
          assert.equal(clientConfig['caBundle'], ca, `${hookName}: caBundle is the CA that signed ztgate's serving certificate`);
          assert.equal(hook['failurePolicy'], want.failurePolicy, `${hookName}: failurePolicy`);
          // The API server keeps the selectors as rendered: nothing it normalises changes what is sent where.
          assert.deepEqual(hook['namespaceSelector'], webhooksOf(rendered)[i]?.['namespaceSelector'], `${hookName}: namespaceSelector as rendered`);
          // ...and the matchConditions, which it compiled as CEL when the configuration was applied.
          assert.deepEqual(hook['matchConditions'], webhooksOf(rendered)[i]?.['matchConditions'], `${hookName}: matchConditions as rendered`);
        }
      }
      // The suite's config excludes namespaces by name only: one fail-open webhook takes their workloads;
      // its one custom rule, on ConfigMaps and failing open, adds rules-ignore.ztgate.io.
      assert.deepEqual(seen.sort(), [CALICO, EXTERNAL_IPS, MESH_ROOT, MESH_ROUTING, MUTATING, NAMESPACES, NEW_NAMESPACES, RULES_IGNORE, 'unprotected-1.ztgate.io', VALIDATING].sort());
      const validate = e.registration.flatMap(webhooksOf).find((w) => w['name'] === VALIDATING);
      const notIn = ((validate?.['namespaceSelector'] as Json | undefined)?.['matchExpressions'] as Json[] | undefined)?.find((x) => x['operator'] === 'NotIn');
      assert.ok((notIn?.['values'] as string[] | undefined)?.includes(EXCLUDED_NAMESPACE), `${VALIDATING} skips ${EXCLUDED_NAMESPACE}: ${JSON.stringify(validate?.['namespaceSelector'])}`);
    });

    test('ztgate compares the registration with its config: a webhook removed by hand shows in /readyz (still ready) and the log, until the manifests are applied again', async () => {
      const e = env();
      let last = '';
      const registration = async (): Promise<{ status: number; detail: string }> => {
        const { status, checks } = await e.ztgate.readiness();
        last = `${status} ${checks['registration'] ?? '(no registration check)'}`;
        return { status, detail: checks['registration'] ?? '(no registration check)' };
      };
      const MATCH = 'the webhook configurations match the config';
      await pollUntil('ztgate finds the registration matches its config', 20_000, async () => ((await registration()).detail === MATCH ? true : undefined), () => last);
      const stored = await getObject(e, ['validatingwebhookconfiguration', 'ztgate']);
      const index = webhooksOf(stored ?? {}).findIndex((hook) => hook['name'] === MESH_ROOT);
      assert.ok(index >= 0, `${MESH_ROOT} is registered`);
      const removed = await e.kubectl(['patch', 'validatingwebhookconfiguration', 'ztgate', '--type=json', '-p', JSON.stringify([{ op: 'remove', path: `/webhooks/${index}` }])]);
      assert.equal(removed.code, 0, removed.stderr);
      try {
        const found = await pollUntil('ztgate reports the missing webhook', 20_000, async () => {
          const now = await registration();
          return now.detail.includes(`${MESH_ROOT} is missing from ValidatingWebhookConfiguration ztgate`) ? now : undefined;
        }, () => last);
        assert.equal(found.status, 200, 'a registration that differs never makes ztgate unready');
        assert.match(found.detail, /render and apply ztgate manifests --config/);
        const warned = e.ztgate.records().filter((record) => String(record['msg']).startsWith('the webhook configurations differ from the config'));
        assert.ok(warned.some((record) => JSON.stringify(record['differences']).includes(MESH_ROOT)), 'the log names it');
      } finally {
        await applyAsAdmin(e.cluster, e.registration);
      }
      await pollUntil('ztgate finds the registration restored', 20_000, async () => ((await registration()).detail === MATCH ? true : undefined), () => last);
    });

    // The harness depends on both (registration, and the second webhook's certificate): name them plainly if missing.
    for (const name of ['certs', 'manifests']) {
      test(`\`ztgate ${name}\` is a command of the built CLI (dist/cli/main.js)`, async () => {
        const help = await ztgateCli(['--help']);
        assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'), `ztgate --help does not list ${name}:\n${help.stdout}`);
        const r = await ztgateCli([name, '--help']);
        assert.equal(r.code, 0, `node dist/cli/main.js ${name} --help: exit ${r.code}\n${r.stderr}`);
        assert.match(r.stdout, new RegExp(`^Usage: ztgate ${name} `));
      });
    }
  });
}
