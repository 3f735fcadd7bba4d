/** Registration through `ztgate manifests`, as the API server stores it. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ztgateCli } from '../harness/cli.js';
import type { E2E } from '../harness/env.js';
import { getObject, MUTATING, VALIDATING } from '../harness/expect.js';
import type { Json } from '../harness/objects.js';
import { webhooksOf } from '../harness/registration.js';

export function registrationScenarios(env: () => E2E): void {
  describe('registration', () => {
    test('the API server holds the configurations `ztgate manifests --url --ca-file` rendered, pointed at ztgate', async () => {
      const e = env();
      const ca = Buffer.from(e.pki.ca.certPem).toString('base64');
      const expect: Record<string, { path: string; failurePolicy: string }> = {
        [VALIDATING]: { path: '/validate', failurePolicy: 'Fail' },
        [MUTATING]: { path: '/mutate', failurePolicy: 'Ignore' },
      };
      for (const rendered of e.registration) {
        const kind = String(rendered['kind']).toLowerCase();
        const name = String((rendered['metadata'] as Json)['name']);
        const stored = await getObject(e, [kind, name]);
        assert.ok(stored, `${kind} ${name} is not stored`);
        const hooks = webhooksOf(stored);
        assert.equal(hooks.length, webhooksOf(rendered).length, `${kind} ${name}: webhook count`);
        for (const hook of hooks) {
          const want = expect[String(hook['name'])];
          assert.ok(want, `unexpected webhook ${String(hook['name'])} in ${kind} ${name}`);
          const clientConfig = hook['clientConfig'] as Json;
          assert.equal(clientConfig['url'], `${e.ztgate.url}${want.path}`);
          assert.equal(clientConfig['caBundle'], ca, `${String(hook['name'])}: caBundle is the CA that signed ztgate's serving certificate`);
          assert.equal(hook['failurePolicy'], want.failurePolicy, `${String(hook['name'])}: failurePolicy`);
        }
      }
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
