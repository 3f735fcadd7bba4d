/** Workload invariants: kubectl prints ztgate's line, a dry run answers the same, nothing is stored. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { E2E } from '../harness/env.js';
import { assertDenied, denialMessage, getObject } from '../harness/expect.js';
import { deployment, pod, type Json } from '../harness/objects.js';

interface Case {
  name: string;
  object: (ns: string) => Json;
  /** kubectl get arguments (resource, name) to check nothing was stored. */
  resource: [string, string];
  fragments: string[];
}

const CASES: Case[] = [
  {
    name: 'a Pod on the default ServiceAccount',
    object: (ns) => pod('on-default', ns, { serviceAccountName: 'default' }),
    resource: ['pod', 'on-default'],
    fragments: ['ZT-POD-001: the Pod runs under the shared "default" ServiceAccount (spec.serviceAccountName)', 'Create a ServiceAccount for this workload'],
  },
  {
    name: 'a Pod with no serviceAccountName (the API server means "default")',
    object: (ns) => pod('no-account', ns),
    resource: ['pod', 'no-account'],
    fragments: ['ZT-POD-001: '],
  },
  {
    name: 'a Deployment with a NET_ADMIN container',
    object: (ns) => deployment('netadmin', ns, { serviceAccountName: 'api', containers: [{ name: 'api', securityContext: { capabilities: { add: ['NET_ADMIN'] } } }] }),
    resource: ['deployment', 'netadmin'],
    fragments: ['ZT-POD-003: container "api" adds capability NET_ADMIN (spec.template.spec.containers[0].securityContext.capabilities.add)'],
  },
  {
    name: 'a Pod running as UID 1337',
    object: (ns) => pod('as-proxy', ns, { serviceAccountName: 'api', securityContext: { runAsUser: 1337 } }),
    resource: ['pod', 'as-proxy'],
    fragments: ['ZT-POD-004: ', "runs as the proxy's UID 1337", '(spec.securityContext.runAsUser)'],
  },
  {
    name: 'a Pod excluding 0.0.0.0/0 from the sidecar redirect',
    object: (ns) => pod('excludes-all', ns, { serviceAccountName: 'api', annotations: { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '0.0.0.0/0' } }),
    resource: ['pod', 'excludes-all'],
    fragments: ['ZT-POD-005: annotation traffic.sidecar.istio.io/excludeOutboundIPRanges is "0.0.0.0/0"'],
  },
];

export function workloadDenialScenarios(env: () => E2E): void {
  describe('workload denials in a protected namespace', () => {
    for (const c of CASES) {
      test(`${c.name} is rejected; the server dry run answers the same and stores nothing`, async () => {
        const e = env();
        const ns = await e.namespace('workloads', { serviceAccounts: ['api'] });
        const object = c.object(ns);
        const dry = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'bob', input: object });
        assertDenied(dry, `dry run of ${c.name}`, c.fragments);
        const real = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: object });
        assertDenied(real, c.name, c.fragments);
        assert.equal(denialMessage(dry), denialMessage(real), 'the dry run and the real request get the same answer');
        assert.equal(await getObject(e, [...c.resource, '-n', ns]), undefined, `${c.resource.join(' ')} was stored`);
      });
    }
  });
}
