/** Istio security policy in a protected namespace, written by a developer. */
import { describe, test } from 'node:test';
import type { E2E } from '../harness/env.js';
import { assertAdmitted, assertDenied } from '../harness/expect.js';
import type { Json } from '../harness/objects.js';

function peerAuthentication(name: string, ns: string, mode: string): Json {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: ns }, spec: { mtls: { mode } } };
}

function authorizationPolicy(name: string, ns: string, rules: Json[]): Json {
  return {
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: ns },
    spec: { selector: { matchLabels: { app: 'api' } }, action: 'ALLOW', rules },
  };
}

export function istioScenarios(env: () => E2E): void {
  describe('Istio policy in a protected namespace', () => {
    test('PeerAuthentication PERMISSIVE is rejected; STRICT is admitted', async () => {
      const e = env();
      const ns = await e.namespace('istio');
      const permissive = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: peerAuthentication('default', ns, 'PERMISSIVE') });
      assertDenied(permissive, 'PeerAuthentication PERMISSIVE', ['ZT-NET-006: PeerAuthentication sets the mTLS mode to PERMISSIVE']);
      const strict = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: peerAuthentication('default', ns, 'STRICT') });
      assertAdmitted(strict, 'PeerAuthentication STRICT');
    });

    test('AuthorizationPolicy with `rules: [{}]` is rejected; one naming its callers is admitted', async () => {
      const e = env();
      const ns = await e.namespace('istio');
      const open = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: authorizationPolicy('allow-all', ns, [{}]) });
      assertDenied(open, 'AuthorizationPolicy rules: [{}]', ['ZT-NET-007: ']);
      const named = authorizationPolicy('web-to-api', ns, [
        { from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/web`] } }], to: [{ operation: { methods: ['GET'] } }] },
      ]);
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: named }), 'AuthorizationPolicy naming its callers');
    });
  });
}
