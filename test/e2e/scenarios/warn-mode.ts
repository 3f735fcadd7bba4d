/** warn mode: the object is created and kubectl prints ztgate's line as a `Warning:`. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { E2E } from '../harness/env.js';
import { assertAdmitted, getObject, warningLines } from '../harness/expect.js';
import { pod } from '../harness/objects.js';

export function warnModeScenarios(env: () => E2E): void {
  describe('warn mode', () => {
    test('ZT-POD-002 set to warn in the config file: a hostNetwork Pod is created with a Warning', async () => {
      const e = env();
      const ns = await e.namespace('warn', { serviceAccounts: ['agent'] });
      const r = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: pod('agent', ns, { serviceAccountName: 'agent', hostNetwork: true }) });
      assertAdmitted(r, 'a hostNetwork Pod with ZT-POD-002 in warn mode');
      assert.match(r.stdout, /^pod\/agent created$/m);
      const warnings = warningLines(r);
      assert.ok(warnings.some((w) => w.startsWith('Warning: ZT-POD-002: ') && w.includes('spec.hostNetwork')), `expected a ZT-POD-002 warning: ${r.stderr}`);
      assert.ok(await getObject(e, ['pod', 'agent', '-n', ns]));
    });

    test('ZT-NET-002 (warn by default): a tier policy naming only a label selector is created with a Warning', async () => {
      const e = env();
      const policy = {
        apiVersion: 'projectcalico.org/v3',
        kind: 'GlobalNetworkPolicy',
        metadata: { name: 'security.labels-only' },
        spec: {
          tier: 'security',
          order: 200,
          selector: 'app == "db"',
          types: ['Ingress'],
          ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: 'app == "api"' }, destination: { ports: [5432] } }],
        },
      };
      const r = await e.kubectl(['create', '-f', '-'], { as: 'alice', input: policy });
      assertAdmitted(r, 'a labels-only policy by an owner');
      assert.ok(warningLines(r).some((w) => w.startsWith('Warning: ZT-NET-002: ')), `expected a ZT-NET-002 warning: ${r.stderr}`);
      assert.ok(await getObject(e, ['globalnetworkpolicies.projectcalico.org', 'security.labels-only']));
    });
  });
}
