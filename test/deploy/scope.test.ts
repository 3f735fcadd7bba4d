/**
 * With ztgate down the API server decides from the namespaceSelectors alone, so they must route every
 * request the way ztgate's own scope does (src/engine/scope.ts): exempt namespaces nowhere, protected
 * ones to the fail-closed webhook, evaluated but unprotected ones to exactly one fail-open webhook, and
 * Calico policy, which ztgate guards everywhere, to a fail-closed webhook in every evaluated namespace.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { AdmissionRequest } from '../../src/admission/types.js';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { isExemptNamespace, isJudgedAsProtected, isMeshWidePolicy, isProtectedNamespace } from '../../src/engine/scope.js';
import { decide } from '../../src/engine/decide.js';
import { INVARIANTS } from '../../src/invariants/registry.js';
import { foreignReachOf, isOwnClusterHost } from '../../src/invariants/net/mesh-hosts.js';
import { knownKinds } from '../../src/offline/kinds.js';
import { DEFAULT_NAMESPACE, NAMES } from '../../src/manifests/names.js';
import { scopeOf } from '../../src/manifests/scope.js';
import type { ManifestOptions } from '../../src/manifests/types.js';
import {
  EVERYWHERE_RULES,
  EXTERNAL_IPS_RULES,
  MESH_ROUTING_RULES,
  sentOnlyToFailClosed,
  mutatingWebhookConfiguration,
  PROTECTED_RULES,
  validatingWebhookConfiguration,
} from '../../src/manifests/webhooks.js';
import { conditionsHold, covers, NAME_LABEL, reached, REVIEWED, webhookNamed, type Obj, type Reviewed } from './webhooks.js';

const NAMESPACES = ['kube-system', 'kube-public', DEFAULT_NAMESPACE, 'calico-system', 'istio-system', 'legacy', 'sandbox', 'shop', 'payments'];
const KEYS = ['zero-trust', 'tier', 'team', NAME_LABEL];
const VALUES = ['enabled', 'a', 'b', 'legacy', 'shop'];

const valuesArb = fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 2 });
const requirementArb = fc.oneof(
  fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom('In', 'NotIn'), values: valuesArb }),
  fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
);
const configArb = fc.record({
  systemNamespaces: fc.subarray(['calico-system', 'sandbox']).map((extra) => ['kube-system', 'kube-public', 'kube-node-lease', ...extra]),
  protection: fc.record({
    excludeNamespaces: fc.subarray(NAMESPACES),
    namespaceSelector: fc.record({
      matchLabels: fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 2 }),
      matchExpressions: fc.array(requirementArb, { maxLength: 3 }),
    }),
  }),
  // Any namespace may be the Istio root: protected, excluded, unmatched or exempt.
  policy: fc.record({ istioRootNamespace: fc.constantFrom('istio-system', 'legacy', 'shop', 'calico-system', 'kube-system') }),
});
const namespaceArb = fc.record({
  name: fc.constantFrom(...NAMESPACES),
  labels: fc.dictionary(fc.constantFrom(...KEYS.filter((key) => key !== NAME_LABEL)), fc.constantFrom(...VALUES), { maxKeys: 3 }),
});

/** The review the API server sends for a write of this resource in this namespace (or cluster-scoped). */
function admissionRequest(r: Pick<Reviewed, 'group' | 'version' | 'resource' | 'kind' | 'cluster'>, operation: string, namespace: string): AdmissionRequest {
  const [resource, subResource] = r.resource.split('/') as [string, string?];
  return {
    uid: 'scope-test',
    kind: { group: r.group, version: r.version, kind: r.kind },
    resource: { group: r.group, version: r.version, resource },
    ...(subResource ? { subResource } : {}),
    ...(r.cluster ? {} : { namespace }),
    name: 'x',
    operation: operation as AdmissionRequest['operation'],
    userInfo: { username: 'someone', groups: ['system:authenticated'] },
    object: operation === 'DELETE' ? undefined : { apiVersion: `${r.group}/${r.version}`, kind: r.kind, metadata: { name: 'x' } },
    dryRun: false,
  } as AdmissionRequest;
}

function render(config: Config): { validating: Obj; mutating: Obj } {
  const options: ManifestOptions = { namespace: DEFAULT_NAMESPACE, image: 'ztgate:test', scope: scopeOf(config) };
  return { validating: validatingWebhookConfiguration(options), mutating: mutatingWebhookConfiguration(options) };
}

/** Every namespaced resource and operation a rule lists, and whether EVERYWHERE_RULES holds it. */
function namespacedRequests(): (Reviewed & { operation: string; everywhere: boolean })[] {
  return REVIEWED.filter((r) => !r.cluster).flatMap((r) =>
    r.operations.map((operation) => ({ ...r, operation, everywhere: EVERYWHERE_RULES.some((rule) => covers(rule, r.group, r.resource, operation)) })),
  );
}

describe('the webhooks route each namespace as ztgate scopes it', () => {
  test('exempt: nowhere; protected: validate.ztgate.io only; unprotected: one fail-open webhook; Calico: its webhook wherever evaluated; the root namespace’s Istio policy: mesh-root.ztgate.io', () => {
    const requests = namespacedRequests();
    fc.assert(
      fc.property(configArb, namespaceArb, fc.constantFrom(...requests), (raw, namespace, request) => {
        const config = parseConfig({ ...raw, ztgateNamespace: DEFAULT_NAMESPACE }, 'property');
        const { validating, mutating } = render(config);
        const labels = { ...namespace.labels, [NAME_LABEL]: namespace.name };
        const got = reached(validating, { ...request, namespace: namespace.name, labels: namespace.labels });
        const evaluated = !isExemptNamespace(namespace.name, config);
        const where = `${request.group || 'core'}/${request.resource} ${request.operation} in ${namespace.name} ${JSON.stringify(labels)}`;

        assert.deepEqual(reached(mutating, { group: '', resource: 'pods', operation: 'CREATE', namespace: namespace.name, labels: namespace.labels }), evaluated ? [NAMES.mutatingWebhook] : [], `mutating, ${where}`);
        if (!evaluated) return assert.deepEqual(got, [], where);
        if (request.everywhere) return assert.deepEqual(got, [NAMES.calicoWebhook], where);
        const review = admissionRequest(request, request.operation, namespace.name);
        if (isMeshWidePolicy(review, config)) return assert.deepEqual(got, [NAMES.meshRootWebhook], where);
        assert.equal(isJudgedAsProtected(review, labels, config), isProtectedNamespace(namespace.name, labels, config), `${where}: only the root namespace’s Istio policy is judged beyond protection`);
        if (isProtectedNamespace(namespace.name, labels, config)) return assert.deepEqual(got, [NAMES.validatingWebhook], where);
        assert.equal(got.length, 1, `exactly one webhook, ${where}: ${got.join(', ')}`);
        assert.match(got[0]!, /^unprotected-\d+\.ztgate\.io$/, where);
        assert.equal(webhookNamed(validating, got[0]!)['failurePolicy'], 'Ignore', where);
      }),
      { numRuns: 3000 },
    );
  });

  test('a Service that adds an external IP reaches external-ips.ztgate.io alone, wherever ztgate evaluates; one that does not, the split as any workload', () => {
    const service = (externalIPs?: string[]) => ({ metadata: { name: 'web' }, spec: { ports: [{ port: 80 }], ...(externalIPs ? { externalIPs } : {}) } });
    fc.assert(
      fc.property(configArb, namespaceArb, fc.constantFrom('CREATE', 'UPDATE'), (raw, namespace, operation) => {
        const config = parseConfig({ ...raw, ztgateNamespace: DEFAULT_NAMESPACE }, 'property');
        const { validating } = render(config);
        const where = `${operation} in ${namespace.name} ${JSON.stringify(namespace.labels)}`;
        const oldObject = operation === 'UPDATE' ? service(['192.0.2.1']) : null;
        const claiming = reached(validating, { group: '', resource: 'services', operation, namespace: namespace.name, labels: namespace.labels, object: service(['192.0.2.1', '203.0.113.9']), oldObject });
        const plain = reached(validating, { group: '', resource: 'services', operation, namespace: namespace.name, labels: namespace.labels, object: service(['192.0.2.1']), oldObject });
        if (isExemptNamespace(namespace.name, config)) return assert.deepEqual([...claiming, ...plain], [], where);
        assert.deepEqual(claiming, [NAMES.externalIPsWebhook], where);
        const labels = { ...namespace.labels, [NAME_LABEL]: namespace.name };
        if (operation === 'UPDATE' && isProtectedNamespace(namespace.name, labels, config)) assert.deepEqual(plain, [NAMES.validatingWebhook], where);
        else if (operation === 'UPDATE') assert.match(plain.join(), /^unprotected-\d+\.ztgate\.io$/, where);
        else assert.deepEqual(plain, [NAMES.externalIPsWebhook], `${where}: created with an address, so it adds one`);
      }),
      { numRuns: 1000 },
    );
  });

  test('a VirtualService that may route other namespaces reaches mesh-routing.ztgate.io alone, wherever ztgate evaluates; one of its own hosts, the split as any workload', () => {
    const virtualService = (hosts: string[]) => ({ metadata: { name: 'reviews' }, spec: { hosts } });
    fc.assert(
      fc.property(configArb, namespaceArb, fc.constantFrom('CREATE', 'UPDATE'), (raw, namespace, operation) => {
        const config = parseConfig({ ...raw, ztgateNamespace: DEFAULT_NAMESPACE }, 'property');
        const { validating } = render(config);
        const where = `${operation} in ${namespace.name} ${JSON.stringify(namespace.labels)}`;
        const send = (hosts: string[]) =>
          reached(validating, { group: 'networking.istio.io', resource: 'virtualservices', operation, namespace: namespace.name, labels: namespace.labels, object: virtualService(hosts), oldObject: operation === 'UPDATE' ? virtualService(['reviews']) : null });
        const routing = send(['reviews.payments.svc.cluster.local']);
        const own = send(['reviews', 'ratings']);
        if (isExemptNamespace(namespace.name, config)) return assert.deepEqual([...routing, ...own], [], where);
        assert.deepEqual(routing, [NAMES.meshRoutingWebhook], where);
        const labels = { ...namespace.labels, [NAME_LABEL]: namespace.name };
        if (isProtectedNamespace(namespace.name, labels, config)) assert.deepEqual(own, [NAMES.validatingWebhook], where);
        else assert.match(own.join(), /^unprotected-\d+\.ztgate\.io$/, where);
      }),
      { numRuns: 1000 },
    );
  });

  test('ztgate’s own fail-safe refuses outside protection exactly what only fail-closed webhooks send there', () => {
    const config = parseConfig({ protection: { excludeNamespaces: ['legacy'] } }, 'table');
    const { validating } = render(config);
    const requests = [...REVIEWED, { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', operations: ['CREATE', 'UPDATE'] }];
    for (const r of requests) {
      for (const operation of r.operations) {
        // An object that claims nothing (no external IP, no foreign host), relabelled on UPDATE.
        const object = { metadata: { name: 'legacy', labels: { zone: 'b' } }, spec: {} };
        const oldObject = operation === 'UPDATE' ? { metadata: { name: 'legacy', labels: { zone: 'a' } }, spec: {} } : operation === 'DELETE' ? object : null;
        const policies = reached(validating, { group: r.group, resource: r.resource, operation, namespace: 'legacy', object: operation === 'DELETE' ? null : object, oldObject }).map(
          (name) => webhookNamed(validating, name)['failurePolicy'],
        );
        const [resource, subResource] = r.resource.split('/') as [string, string?];
        const expected = policies.length > 0 && policies.every((policy) => policy === 'Fail');
        assert.equal(sentOnlyToFailClosed({ resource: { group: r.group, resource }, ...(subResource ? { subResource } : {}), operation }), expected, `${r.group || 'core'}/${r.resource} ${operation}: reaches ${policies.join(', ')}`);
      }
    }
  });

  test('the fail-closed webhooks fail closed, the unprotected ones fail open', () => {
    const config = parseConfig({ protection: { excludeNamespaces: ['legacy'], namespaceSelector: { matchLabels: { 'zero-trust': 'enabled' } } } }, 'table');
    const { validating } = render(config);
    const policies = Object.fromEntries((validating['webhooks'] as Obj[]).map((webhook) => [webhook['name'], webhook['failurePolicy']]));
    assert.deepEqual(policies, {
      [NAMES.validatingWebhook]: 'Fail',
      [NAMES.calicoWebhook]: 'Fail',
      [NAMES.namespaceWebhook]: 'Fail',
      [NAMES.newNamespaceWebhook]: 'Ignore',
      [NAMES.externalIPsWebhook]: 'Fail',
      [NAMES.meshRoutingWebhook]: 'Fail',
      [NAMES.meshRootWebhook]: 'Fail',
      'unprotected-1.ztgate.io': 'Ignore',
      'unprotected-2.ztgate.io': 'Ignore',
    });
  });

  test('the default config renders no unprotected webhook: every evaluated namespace is protected', () => {
    const { validating } = render(parseConfig({}, 'default'));
    assert.deepEqual((validating['webhooks'] as Obj[]).map((webhook) => webhook['name']), [NAMES.validatingWebhook, NAMES.calicoWebhook, NAMES.namespaceWebhook, NAMES.newNamespaceWebhook, NAMES.externalIPsWebhook, NAMES.meshRoutingWebhook, NAMES.meshRootWebhook]);
  });

  test('a Namespace update reaches namespaces.ztgate.io alone and a creation new-namespaces.ztgate.io alone, wherever ztgate evaluates, whatever the new labels; exempt ones nowhere', () => {
    fc.assert(
      fc.property(configArb, namespaceArb, (raw, namespace) => {
        const config = parseConfig({ ...raw, ztgateNamespace: DEFAULT_NAMESPACE }, 'property');
        const { validating } = render(config);
        // For a Namespace the API server matches the selector against the object's own (new) labels.
        const relabelled = { object: { metadata: { name: namespace.name, labels: namespace.labels } }, oldObject: { metadata: { name: namespace.name, labels: { ...namespace.labels, before: 'yes' } } } };
        const got = reached(validating, { group: '', resource: 'namespaces', operation: 'UPDATE', namespace: namespace.name, labels: namespace.labels, ...relabelled });
        const where = `namespace ${namespace.name} relabelled to ${JSON.stringify(namespace.labels)}`;
        assert.deepEqual(got, isExemptNamespace(namespace.name, config) ? [] : [NAMES.namespaceWebhook], where);
        const created = reached(validating, { group: '', resource: 'namespaces', operation: 'CREATE', namespace: namespace.name, labels: namespace.labels });
        assert.deepEqual(created, isExemptNamespace(namespace.name, config) ? [] : [NAMES.newNamespaceWebhook], `CREATE, ${where}`);
        assert.deepEqual(reached(validating, { group: '', resource: 'namespaces', operation: 'DELETE', namespace: namespace.name, labels: namespace.labels }), [], `DELETE, ${where}`);
      }),
      { numRuns: 1000 },
    );
  });

  test('cluster-scoped Calico kinds reach the Calico webhook (a namespaceSelector never skips them)', () => {
    const { validating } = render(parseConfig({ protection: { excludeNamespaces: ['legacy'] } }, 'table'));
    const calico = webhookNamed(validating, NAMES.calicoWebhook);
    for (const r of REVIEWED.filter((x) => x.cluster)) {
      for (const operation of r.operations) {
        const rules = (calico['rules'] as Obj[]).filter((rule) => covers(rule, r.group, r.resource, operation));
        assert.ok(rules.some((rule) => rule['scope'] === '*' || rule['scope'] === 'Cluster'), `${r.group}/${r.resource} ${operation}`);
      }
    }
  });
});

describe('the split follows the invariants’ scope', () => {
  const request = (r: Reviewed, operation: string): AdmissionRequest => admissionRequest(r, operation, 'legacy');

  test('every kind an invariant judges is sent by some webhook', () => {
    const operations = ['CREATE', 'UPDATE', 'DELETE'];
    const webhooks = (render(parseConfig({}, 'default')).validating['webhooks'] as Obj[]);
    for (const known of knownKinds()) {
      for (const version of ['v1', 'v1beta1', 'v1alpha3', 'v1alpha1', 'v3']) {
        const probe: Reviewed = { group: known.group, version, resource: known.resource, kind: known.kind, operations, ...(known.namespaced ? {} : { cluster: true }) };
        for (const operation of operations) {
          const judgedBy = INVARIANTS.filter((invariant) => invariant.appliesTo(request(probe, operation))).map((invariant) => invariant.id);
          if (judgedBy.length === 0) continue;
          assert.ok(
            webhooks.some((webhook) => (webhook['rules'] as Obj[]).some((rule) => covers(rule, known.group, known.resource, operation))),
            `${known.group || 'core'}/${version} ${known.kind} ${operation} is judged by ${judgedBy.join(', ')} but no webhook rule sends it`,
          );
        }
      }
    }
  });

  test('REVIEWED lists exactly what the rules cover', () => {
    for (const rule of [...PROTECTED_RULES, ...EVERYWHERE_RULES]) {
      for (const group of rule.apiGroups) {
        for (const resource of rule.resources) {
          for (const operation of rule.operations) {
            assert.ok(
              REVIEWED.some((r) => r.group === group && r.resource === resource && r.operations.includes(operation)),
              `${group || 'core'}/${resource} ${operation} is in a rule but not in REVIEWED (add its kind there)`,
            );
          }
        }
      }
    }
  });

  for (const r of REVIEWED) {
    test(`${r.group || 'core'}/${r.resource}: on the everywhere webhook exactly when an everywhere invariant judges it`, () => {
      for (const operation of r.operations) {
        const judgedEverywhere = INVARIANTS.filter((invariant) => invariant.scope === 'everywhere' && invariant.appliesTo(request(r, operation))).map((i) => i.id);
        const onEverywhere = EVERYWHERE_RULES.some((rule) => covers(rule, r.group, r.resource, operation));
        const onProtected = PROTECTED_RULES.some((rule) => covers(rule, r.group, r.resource, operation));
        // What ZT-NET-008, ZT-NET-010 and ZT-NET-011 judge is carved out of the protected split by
        // matchConditions (tested below).
        const carvedOutFor = EXTERNAL_IPS_RULES.some((rule) => covers(rule, r.group, r.resource, operation))
          ? ['ZT-NET-008']
          : MESH_ROUTING_RULES.some((rule) => covers(rule, r.group, r.resource, operation))
            ? [r.kind === 'VirtualService' ? 'ZT-NET-010' : 'ZT-NET-011']
            : undefined;
        assert.notEqual(onEverywhere, onProtected, `${operation}: in exactly one of PROTECTED_RULES and EVERYWHERE_RULES`);
        if (judgedEverywhere.length > 0) {
          assert.ok(onEverywhere || carvedOutFor, `${operation}: ${judgedEverywhere.join(', ')} run everywhere, so unprotected namespaces must not fail open for it`);
        }
        if (carvedOutFor) assert.deepEqual(judgedEverywhere, carvedOutFor, `${operation}: only ${carvedOutFor.join()} is judged everywhere through its own webhook`);
      }
      // Fail-closed outside protection only where something judges it there.
      if (EVERYWHERE_RULES.some((rule) => r.operations.some((operation) => covers(rule, r.group, r.resource, operation)))) {
        assert.ok(
          r.operations.some((operation) => INVARIANTS.some((invariant) => invariant.scope === 'everywhere' && invariant.appliesTo(request(r, operation)))),
          'no everywhere invariant judges it: it belongs with the protected rules',
        );
      }
    });
  }

  /** The namespaces that exist for the cross-checks, besides shop. */
  const EXISTING: ReadonlySet<string> = new Set(['payments']);

  /** Whether an invariant finds something in a write in namespace shop, and whether the webhook is sent it. */
  function foundAndSent(
    webhook: Obj,
    config: Config,
    invariantId: string,
    kind: { group: string; version: string; kind: string; resource: string },
    operation: string,
    object: Obj,
    oldObject: Obj | undefined,
  ): { found: boolean; sent: boolean } {
    const request = {
      uid: 'cross-check',
      kind: { group: kind.group, version: kind.version, kind: kind.kind },
      resource: { group: kind.group, version: kind.version, resource: kind.resource },
      namespace: 'shop',
      name: String(object['metadata']?.['name']),
      operation,
      userInfo: { username: 'someone', groups: ['system:authenticated'] },
      object,
      ...(oldObject ? { oldObject } : {}),
      dryRun: false,
    } as AdmissionRequest;
    const facts = { namespaceLabels: {}, now: new Date(), existingNamespaces: EXISTING };
    const found = decide(request, facts, config).violations.some((violation) => violation.invariantId === invariantId);
    const sent = conditionsHold(webhook, { group: kind.group, resource: kind.resource, operation, namespace: 'shop', object, oldObject: oldObject ?? null });
    return { found, sent };
  }

  /**
   * Over creates and updates of random specs in namespace shop: the webhook is sent everything the
   * invariant refuses, and, where `exact` says the condition reads the spec as the invariant does,
   * nothing else.
   */
  function crossCheck(
    webhook: Obj,
    config: Config,
    invariantId: string,
    kind: { group: string; version: string; kind: string; resource: string },
    specArb: fc.Arbitrary<Obj>,
    exact: (spec: Obj) => boolean,
  ): void {
    // Through JSON, as the API server sends it: fast-check may build records without a prototype, which
    // isDeepStrictEqual (ztgate's spec comparison) would tell from the same spec parsed from JSON.
    const object = (spec: Obj) => JSON.parse(JSON.stringify({ apiVersion: `${kind.group}/${kind.version}`, kind: kind.kind, metadata: { name: 'x', namespace: 'shop' }, spec })) as Obj;
    fc.assert(
      fc.property(fc.constantFrom('CREATE', 'UPDATE'), specArb, specArb, (operation, spec, oldSpec) => {
        const { found, sent } = foundAndSent(webhook, config, invariantId, kind, operation, object(spec), operation === 'UPDATE' ? object(oldSpec) : undefined);
        const where = `${operation} ${JSON.stringify(spec)} over ${JSON.stringify(oldSpec)}`;
        if (found) assert.ok(sent, `refused by ${invariantId} but not sent: ${where}`);
        if (exact(spec)) assert.equal(sent, found, where);
      }),
      { numRuns: 1000 },
    );
  }

  test('external-ips.ztgate.io is sent a Service exactly when ZT-NET-008 would find an address in it', () => {
    const { validating } = render(parseConfig({}, 'default'));
    const webhook = webhookNamed(validating, NAMES.externalIPsWebhook);
    const config = parseConfig({}, 'default');
    const ipsArb = fc.option(fc.uniqueArray(fc.constantFrom('192.0.2.1', '192.0.2.2', '203.0.113.9', '2001:db8::1'), { maxLength: 3 }), { nil: undefined });
    const service = (externalIPs: string[] | undefined) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ port: 80 }], ...(externalIPs ? { externalIPs } : {}) } });
    fc.assert(
      fc.property(fc.constantFrom('CREATE', 'UPDATE'), ipsArb, ipsArb, (operation, ips, oldIps) => {
        const object = service(ips);
        const oldObject = operation === 'UPDATE' ? service(oldIps) : undefined;
        const { found, sent } = foundAndSent(webhook, config, 'ZT-NET-008', { group: '', version: 'v1', kind: 'Service', resource: 'services' }, operation, object, oldObject);
        assert.equal(sent, found, `${operation} ${JSON.stringify(ips)} over ${JSON.stringify(oldIps)}`);
      }),
      { numRuns: 500 },
    );
  });

  test('mesh-routing.ztgate.io is sent every VirtualService ZT-NET-010 would refuse, and exactly those when CEL can read every host', () => {
    const config = parseConfig({}, 'default');
    const webhook = webhookNamed(render(config).validating, NAMES.meshRoutingWebhook);
    const HOSTS = ['reviews', 'reviews.shop.svc.cluster.local', 'reviews.payments.svc.cluster.local', 'Ratings.Payments.SVC', '*.payments.svc', '*.local', '*.example.com', 'api.example.com', 'reviews.payments', 'reviews.shop', 'example.com'];
    const specArb = fc.record(
      {
        hosts: fc.uniqueArray(fc.constantFrom(...HOSTS), { maxLength: 3 }),
        exportTo: fc.uniqueArray(fc.constantFrom('.', '~', '*', 'shop', 'payments'), { maxLength: 2 }),
        gateways: fc.uniqueArray(fc.constantFrom('mesh', 'edge/public'), { maxLength: 2 }),
        http: fc.constantFrom([], [{ route: [{ destination: { host: 'reviews' } }] }]),
      },
      { requiredKeys: ['http'] },
    );
    // The condition over-approximates hosts only: where every host it would count is one ZT-NET-010
    // counts too, gateways, exportTo and the spec comparison must agree exactly.
    const conditionCounts = (host: string) => /\*|\.svc/i.test(host) || /^[^.*]+[.][^.*]+[.]?$/.test(host);
    const exact = (spec: Obj) => !((spec['hosts'] ?? []) as string[]).some((host) => conditionCounts(host) && foreignReachOf(host, 'shop', 'cluster.local', EXISTING) === undefined);
    crossCheck(webhook, config, 'ZT-NET-010', { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService', resource: 'virtualservices' }, specArb, exact);
  });

  test('mesh-routing.ztgate.io is sent every ServiceEntry ZT-NET-011 would refuse, and exactly those when it names anything but its own namespace’s hosts', () => {
    const config = parseConfig({}, 'default');
    const webhook = webhookNamed(render(config).validating, NAMES.meshRoutingWebhook);
    const HOSTS = ['api.stripe.com', 'vm-db.shop.svc.cluster.local', '*.shop.svc', 'reviews.payments.svc.cluster.local', 'legacy-db'];
    const specArb = fc.record(
      {
        hosts: fc.uniqueArray(fc.constantFrom(...HOSTS), { minLength: 1, maxLength: 2 }),
        addresses: fc.uniqueArray(fc.constantFrom('203.0.113.5', '10.20.0.0/16'), { maxLength: 1 }),
        exportTo: fc.uniqueArray(fc.constantFrom('.', '~', '*', 'shop', 'payments'), { maxLength: 2 }),
        endpoints: fc.constantFrom([], [{ address: '10.1.2.3' }]),
        workloadSelector: fc.constant({ labels: { app: 'proxy' } }),
        resolution: fc.constantFrom('STATIC', 'DNS', 'NONE'),
      },
      { requiredKeys: ['hosts', 'resolution'] },
    );
    const exact = (spec: Obj) => ((spec['addresses'] ?? []) as string[]).length > 0 || (spec['hosts'] as string[]).some((host) => !isOwnClusterHost(host, 'shop', 'cluster.local'));
    crossCheck(webhook, config, 'ZT-NET-011', { group: 'networking.istio.io', version: 'v1', kind: 'ServiceEntry', resource: 'serviceentries' }, specArb, exact);
  });
});
