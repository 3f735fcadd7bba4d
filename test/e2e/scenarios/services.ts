/**
 * ZT-NET-008 through kubectl: a Service may claim only the external IPs the config allows, in a
 * protected namespace and in one the config excludes from protection alike, since the address is
 * intercepted for every namespace. The API server evaluates the webhooks' matchConditions, so this also
 * shows that a Service adding an address reaches external-ips.ztgate.io and every other Service write
 * the usual webhook.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EXCLUDED_NAMESPACE, type E2E } from '../harness/env.js';
import { assertAdmitted, assertDenied, EXTERNAL_IPS, getObject } from '../harness/expect.js';
import type { Json } from '../harness/objects.js';

export function service(name: string, namespace: string, externalIPs?: string[]): Json {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }], ...(externalIPs ? { externalIPs } : {}) },
  };
}

const OUTSIDE = '203.0.113.9';
const INSIDE = '198.51.100.7';

export function serviceScenarios(env: () => E2E): void {
  describe('Services claiming addresses (ZT-NET-008)', () => {
    test('no Service claims an address outside policy.allowedExternalIPs, protected namespace or excluded', async () => {
      const e = env();
      const ns = await e.namespace('claims');
      for (const where of [ns, EXCLUDED_NAMESPACE]) {
        for (const dryRun of [['--dry-run=server'], []]) {
          const r = await e.kubectl(['create', ...dryRun, '-f', '-'], { as: 'bob', input: service('mitm', where, [OUTSIDE]) });
          assertDenied(
            r,
            `bob's Service claiming ${OUTSIDE} in ${where} ${dryRun.join(' ')}`,
            [`ZT-NET-008: the Service claims external IP ${OUTSIDE}, outside policy.allowedExternalIPs (spec.externalIPs[0])`, 'CVE-2020-8554', '(allowed: 198.51.100.0/24)'],
            EXTERNAL_IPS,
          );
        }
        assert.equal(await getObject(e, ['service', 'mitm', '-n', where]), undefined, `${where}: nothing stored`);
        assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: service('plain', where) }), `a Service without external IPs in ${where}`);
      }
      const refused = e.ztgate.decisions().filter((d) => d['kind'] === 'Service' && d['name'] === 'mitm');
      assert.deepEqual(refused.map((d) => d['invariants']), Array(4).fill(['ZT-NET-008:denied']), 'two namespaces, each a dry run and a real request');
    });

    test('an allowed address can be claimed and kept; adding one outside the range is refused', async () => {
      const e = env();
      const ns = await e.namespace('edge');
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: service('edge', ns, [INSIDE]) }), `a Service claiming ${INSIDE}`);
      const add = JSON.stringify([{ op: 'add', path: '/spec/externalIPs/-', value: OUTSIDE }]);
      const added = await e.kubectl(['patch', 'service', 'edge', '-n', ns, '--type=json', '-p', add], { as: 'bob' });
      assertDenied(added, `bob adds ${OUTSIDE} to a Service that holds ${INSIDE}`, [`external IP ${OUTSIDE}`, '(spec.externalIPs[1])'], EXTERNAL_IPS);
      assertAdmitted(await e.kubectl(['label', 'service', 'edge', '-n', ns, 'tier=edge'], { as: 'bob' }), 'a label on the Service, which keeps its address');
      const stored = await getObject(e, ['service', 'edge', '-n', ns]);
      assert.deepEqual((stored?.['spec'] as Json | undefined)?.['externalIPs'], [INSIDE]);

      // The audit query docs/operations.md gives before an upgrade finds it.
      const listed = await e.kubectl([
        'get',
        'services',
        '-A',
        '-o',
        'jsonpath={range .items[?(@.spec.externalIPs)]}{.metadata.namespace}/{.metadata.name}: {.spec.externalIPs}{"\\n"}{end}',
      ]);
      assertAdmitted(listed, 'listing the Services that claim external IPs');
      assert.ok(listed.stdout.split('\n').includes(`${ns}/edge: ["${INSIDE}"]`), listed.stdout);
      assert.ok(!listed.stdout.includes('/plain'), `Services without external IPs are not listed: ${listed.stdout}`);
    });
  });
}
