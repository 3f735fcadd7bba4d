/**
 * Istio security policy and mesh extensions in a protected namespace, written by a developer, and
 * VirtualServices and ServiceEntries that would take over other namespaces' traffic, wherever ztgate
 * evaluates.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EXCLUDED_NAMESPACE, type E2E } from '../harness/env.js';
import { assertAdmitted, assertDenied, getObject, MESH_ROUTING } from '../harness/expect.js';
import type { Json } from '../harness/objects.js';

export function peerAuthentication(name: string, ns: string, mode: string): Json {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace: ns }, spec: { mtls: { mode } } };
}

export function authorizationPolicy(name: string, ns: string, rules: Json[]): Json {
  return {
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: ns },
    spec: { selector: { matchLabels: { app: 'api' } }, action: 'ALLOW', rules },
  };
}

/** Removes the inbound RBAC filter of the selected workloads: AuthorizationPolicy no longer applies to them. */
function dropAuthorization(name: string, ns: string): Json {
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name, namespace: ns },
    spec: {
      workloadSelector: { labels: { app: 'api' } },
      configPatches: [
        {
          applyTo: 'HTTP_FILTER',
          match: { context: 'SIDECAR_INBOUND', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.rbac' } } } } },
          patch: { operation: 'REMOVE' },
        },
      ],
    },
  };
}

export function virtualService(name: string, ns: string, spec: Json): Json {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: ns },
    spec: { http: [{ route: [{ destination: { host: 'reviews-shadow' } }] }], ...spec },
  };
}

export function istioScenarios(env: () => E2E): void {
  describe('Istio routing (ZT-NET-010, ZT-NET-011)', () => {
    test('a VirtualService names another namespace’s service only for its own clients, protected namespace or excluded', async () => {
      const e = env();
      const ns = await e.namespace('routes');
      const owners = await e.namespace('reviews');
      const host = `reviews.${owners}.svc.cluster.local`;
      const vs = ['virtualservices.networking.istio.io'];
      for (const where of [ns, EXCLUDED_NAMESPACE]) {
        for (const dryRun of [['--dry-run=server'], []]) {
          const r = await e.kubectl(['create', ...dryRun, '-f', '-'], { as: 'bob', input: virtualService('hijack', where, { hosts: [host] }) });
          assertDenied(
            r,
            `bob's VirtualService for ${host} in ${where} ${dryRun.join(' ')}`,
            [`ZT-NET-010: VirtualService "hijack" routes host "${host}", a service of namespace "${owners}", for clients in every namespace`, '(spec.hosts[0])', 'exportTo: ["."]'],
            MESH_ROUTING,
          );
        }
        assert.equal(await getObject(e, [...vs, 'hijack', '-n', where]), undefined, `${where}: nothing stored`);
        const own = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: virtualService('own-clients', where, { hosts: [host], exportTo: ['.'] }) });
        assertAdmitted(own, `the same route for ${where}'s own clients (exportTo ["."])`);
      }
      // Widening it to every namespace is judged as a new claim; a label is not.
      const widen = JSON.stringify([{ op: 'remove', path: '/spec/exportTo' }]);
      const widened = await e.kubectl(['patch', ...vs, 'own-clients', '-n', ns, '--type=json', '-p', widen], { as: 'bob' });
      assertDenied(widened, 'bob exports the route to every namespace', ['ZT-NET-010: VirtualService "own-clients"', 'it sets no exportTo'], MESH_ROUTING);
      assertAdmitted(await e.kubectl(['label', ...vs, 'own-clients', '-n', ns, 'reviewed=yes'], { as: 'bob' }), 'a label on it');
      // The service's own namespace routes it for everyone. Its full host name reaches mesh-routing.ztgate.io
      // too (the matchCondition cannot tell whose namespace a host names), and ztgate admits it.
      const owned = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: virtualService('reviews', owners, { hosts: ['reviews', host] }) });
      assertAdmitted(owned, `${owners} routes its own service for every namespace`);
      const mesh = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'bob', input: virtualService('everything', owners, { hosts: ['*.svc.cluster.local'] }) });
      assertDenied(mesh, 'a wildcard over every namespace', ['routes host "*.svc.cluster.local", which covers the services of every namespace,'], MESH_ROUTING);
      // The name clients in other namespaces often use: judged because ztgate's namespace cache knows the namespace.
      const bare = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'bob', input: virtualService('bare', ns, { hosts: [`reviews.${owners}`] }) });
      assertDenied(bare, `a bare reviews.${owners}`, [`routes host "reviews.${owners}", a service of namespace "${owners}",`], MESH_ROUTING);
      const external = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'bob', input: virtualService('egress', ns, { hosts: ['httpbin.org'] }) });
      assertAdmitted(external, 'a route for an external two-label name (no namespace org)');

      const decided = e.ztgate.decisions().filter((d) => d['kind'] === 'VirtualService');
      const refused = decided.filter((d) => d['name'] === 'hijack').map((d) => d['invariants']);
      assert.deepEqual(refused, Array(4).fill(['ZT-NET-010:denied']), 'two namespaces, each a dry run and a real request');
      assert.ok(decided.some((d) => d['name'] === 'reviews' && d['allowed'] === true), `the owners' route was reviewed and admitted: ${JSON.stringify(decided)}`);
    });

    test('a ServiceEntry sends others’ traffic to its own endpoints only for its own namespace’s names or clients', async () => {
      const e = env();
      const ns = await e.namespace('entries');
      const entry = (name: string, where: string, spec: Json): Json => ({
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: { name, namespace: where },
        spec: { ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], ...spec },
      });
      const intercepting = { hosts: ['api.stripe.com'], resolution: 'STATIC', endpoints: [{ address: '10.1.2.3' }] };
      for (const where of [ns, EXCLUDED_NAMESPACE]) {
        for (const dryRun of [['--dry-run=server'], []]) {
          const r = await e.kubectl(['create', ...dryRun, '-f', '-'], { as: 'bob', input: entry('stripe', where, intercepting) });
          assertDenied(
            r,
            `bob's ServiceEntry sending api.stripe.com to his own endpoint in ${where} ${dryRun.join(' ')}`,
            ['ZT-NET-011: ServiceEntry "stripe" sends traffic for host "api.stripe.com" to endpoints it chose (spec.endpoints), for clients in every namespace', '(spec.hosts[0])'],
            MESH_ROUTING,
          );
        }
        assert.equal(await getObject(e, ['serviceentries.networking.istio.io', 'stripe', '-n', where]), undefined, `${where}: nothing stored`);
      }
      const described = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: entry('stripe', ns, { hosts: ['api.stripe.com'], resolution: 'DNS', location: 'MESH_EXTERNAL' }) });
      assertAdmitted(described, 'the same destination resolved by DNS (no endpoints)');
      const own = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: entry('stripe-local', ns, { ...intercepting, exportTo: ['.'] }) });
      assertAdmitted(own, 'the intercepting entry for its own namespace only (exportTo ["."])');
      const vms = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: entry('vm-db', ns, { hosts: [`vm-db.${ns}.svc.cluster.local`], resolution: 'STATIC', workloadSelector: { labels: { app: 'vm-db' } } }) });
      assertAdmitted(vms, "the namespace's own VMs under its own cluster name, for everyone");
      const address = JSON.stringify([{ op: 'add', path: '/spec/addresses', value: ['203.0.113.5'] }]);
      const widened = await e.kubectl(['patch', 'serviceentries.networking.istio.io', 'vm-db', '-n', ns, '--type=json', '-p', address], { as: 'bob' });
      assertDenied(widened, 'adding an address to it', ['ServiceEntry "vm-db" sends traffic for address "203.0.113.5"', '(spec.addresses[0])'], MESH_ROUTING);
    });
  });

  describe('Istio policy in a protected namespace', () => {
    test('only a mesh extension owner writes EnvoyFilters and WasmPlugins (ZT-NET-009)', async () => {
      const e = env();
      const ns = await e.namespace('extensions');
      const wasm = { apiVersion: 'extensions.istio.io/v1alpha1', kind: 'WasmPlugin', metadata: { name: 'headers', namespace: ns }, spec: { selector: { matchLabels: { app: 'api' } }, url: 'oci://registry.example.com/headers:1.0' } };
      for (const dryRun of [['--dry-run=server'], []]) {
        const filter = await e.kubectl(['create', ...dryRun, '-f', '-'], { as: 'bob', input: dropAuthorization('drop-rbac', ns) });
        assertDenied(filter, `bob's EnvoyFilter ${dryRun.join(' ')}`, ['ZT-NET-009: user "bob" creates EnvoyFilter "drop-rbac" but is not one of policy.meshExtensionOwners']);
      }
      assertDenied(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: wasm }), "bob's WasmPlugin", ['ZT-NET-009: user "bob" creates WasmPlugin "headers"']);
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'alice', input: dropAuthorization('drop-rbac', ns) }), 'alice (ztgate:security-admins) creates the EnvoyFilter');
      assertAdmitted(await e.kubectl(['label', 'envoyfilter', 'drop-rbac', '-n', ns, 'reviewed=yes'], { as: 'bob' }), 'bob labels it: the spec is unchanged');
      // The query docs/operations.md gives before an upgrade, to find who wrote the existing ones.
      const columns = 'custom-columns=NS:.metadata.namespace,NAME:.metadata.name,MANAGER:.metadata.managedFields[0].manager';
      const listed = await e.kubectl(['get', 'envoyfilters,wasmplugins', '-A', '-o', columns]);
      assertAdmitted(listed, 'listing mesh extensions with their managers');
      assert.match(listed.stdout, new RegExp(`^${ns}\\s+drop-rbac\\s+kubectl`, 'm'), listed.stdout);
      assertDenied(await e.kubectl(['delete', 'envoyfilter', 'drop-rbac', '-n', ns], { as: 'bob' }), 'bob deletes it', ['ZT-NET-009: user "bob" deletes EnvoyFilter "drop-rbac"']);
      assert.ok(await getObject(e, ['envoyfilter', 'drop-rbac', '-n', ns]), 'the EnvoyFilter stays');
      assertAdmitted(await e.kubectl(['delete', 'envoyfilter', 'drop-rbac', '-n', ns], { as: 'alice' }), 'alice deletes it');
    });

    test('PeerAuthentication PERMISSIVE is rejected; STRICT is admitted', async () => {
      const e = env();
      const ns = await e.namespace('istio');
      const permissive = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: peerAuthentication('default', ns, 'PERMISSIVE') });
      assertDenied(permissive, 'PeerAuthentication PERMISSIVE', ['ZT-NET-006: PeerAuthentication sets the mTLS mode to PERMISSIVE']);
      const strict = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: peerAuthentication('default', ns, 'STRICT') });
      assertAdmitted(strict, 'PeerAuthentication STRICT');
    });

    test('AuthorizationPolicy with rules: [{}] or only wildcard principals is rejected; one naming its callers is admitted', async () => {
      const e = env();
      const ns = await e.namespace('istio');
      const open = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: authorizationPolicy('allow-all', ns, [{}]) });
      assertDenied(open, 'AuthorizationPolicy rules: [{}]', ['ZT-NET-007: ']);
      const anyPeer = await e.kubectl(['create', '-f', '-'], { as: 'bob', input: authorizationPolicy('allow-any-peer', ns, [{ from: [{ source: { principals: ['*'] } }] }]) });
      assertDenied(anyPeer, 'AuthorizationPolicy principals ["*"]', ['ZT-NET-007: ', 'from[0].source.principals "*"']);
      const named = authorizationPolicy('web-to-api', ns, [
        { from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/web`] } }], to: [{ operation: { methods: ['GET'] } }] },
      ]);
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: named }), 'AuthorizationPolicy naming its callers');
    });
  });
}
