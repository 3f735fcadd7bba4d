import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run, type CelInput } from '@bufbuild/cel';
import { parseAllDocuments } from 'yaml';
import { manifestsCommand } from '../../src/cli/manifests.js';
import { ConfigNode } from '../../src/config/reader.js';
import { DEFAULT_SYSTEM_NAMESPACES, parseConfigText } from '../../src/config/parse.js';
import { CONFIG_FILE, RULE_GROUP, RULE_PLURAL, SYSTEM_NAMESPACES } from '../../src/manifests/names.js';
import { scopeOf } from '../../src/manifests/scope.js';
import { validatingWebhookConfiguration } from '../../src/manifests/webhooks.js';
import { REVIEW_ROUTES } from '../../src/http/review-routes.js';
import { generateCertificates } from '../../src/tls/dev-certs.js';
import { parseLabelSelector, selectorMatches } from '../../src/util/label-selector.js';
import { runCommand } from './io.js';
import { REPO, findKubectl, kustomize } from './kubectl.js';
import { conditionsHold, covers, NAME_LABEL, reached, REVIEWED, selectsNamespace, webhookNamed, webhooksOf, type Obj, type SentRequest } from './webhooks.js';

const NAMESPACE = 'ztgate-system';
const PROTECTED = ['kube-system', 'kube-public', 'kube-node-lease', NAMESPACE];
const ALL_OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

const VALIDATE = 'validate.ztgate.io';
const CALICO = 'calico.ztgate.io';
const MUTATE = 'mutate.ztgate.io';
const NAMESPACES = 'namespaces.ztgate.io';
const NEW_NAMESPACES = 'new-namespaces.ztgate.io';
const EXTERNAL_IPS = 'external-ips.ztgate.io';
const MESH_ROUTING = 'mesh-routing.ztgate.io';
const MESH_ROOT = 'mesh-root.ztgate.io';

function service(externalIPs?: string[]): Obj {
  return { metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ port: 80 }], ...(externalIPs ? { externalIPs } : {}) } };
}

function virtualService(spec: Obj): Obj {
  return { metadata: { name: 'reviews', namespace: 'shop' }, spec: { http: [{ route: [{ destination: { host: 'reviews' } }] }], ...spec } };
}

/** A request each webhook is there for, from a user with these groups. */
function typicalRequest(webhook: string, groups: string[]): SentRequest {
  if (webhook === NAMESPACES) {
    const namespace = (zone: string) => ({ metadata: { name: 'shop', labels: { zone } } });
    return { group: '', resource: 'namespaces', operation: 'UPDATE', namespace: 'shop', object: namespace('a'), oldObject: namespace('b'), groups };
  }
  if (webhook === NEW_NAMESPACES) return { group: '', resource: 'namespaces', operation: 'CREATE', namespace: 'shop', groups };
  if (webhook === EXTERNAL_IPS) return { group: '', resource: 'services', operation: 'CREATE', namespace: 'shop', object: service(['203.0.113.9']), groups };
  if (webhook === MESH_ROOT) return { group: 'security.istio.io', resource: 'peerauthentications', operation: 'CREATE', namespace: 'istio-system', groups };
  if (webhook === MESH_ROUTING) {
    return { group: 'networking.istio.io', resource: 'virtualservices', operation: 'CREATE', namespace: 'shop', object: virtualService({ hosts: ['reviews.payments.svc.cluster.local'] }), groups };
  }
  return { group: '', resource: 'pods', operation: 'CREATE', namespace: 'shop', groups };
}

/**
 * A config that narrows what ztgate judges in every way it can: one more system namespace, excluded
 * namespaces (the Istio root among them), and a protection selector. `ztgate manifests --config` of it
 * must keep every lockout rule.
 */
const NARROW_CONFIG = `# protection narrowed by name and by label
systemNamespaces: [kube-system, kube-public, kube-node-lease, calico-system]
protection:
  excludeNamespaces: [legacy, istio-system]
  namespaceSelector:
    matchLabels: {zero-trust: enabled}
    matchExpressions:
      - {key: stage, operator: NotIn, values: [experimental]}
`;
const NARROW_EXEMPT = [...PROTECTED, 'calico-system'];

/** [apiGroup, resource] no webhook may ever see: leader election, events and authentication. */
const NEVER: [string, string][] = [
  ['coordination.k8s.io', 'leases'],
  ['', 'events'],
  ['events.k8s.io', 'events'],
  ['authentication.k8s.io', 'tokenreviews'],
  ['authorization.k8s.io', 'subjectaccessreviews'],
  ['authorization.k8s.io', 'selfsubjectaccessreviews'],
  ['authorization.k8s.io', 'localsubjectaccessreviews'],
];

/** Labels a namespace might carry; an exempt namespace must be skipped whatever they are. */
const LABEL_SETS: Record<string, string>[] = [{}, { 'zero-trust': 'enabled' }, { 'zero-trust': 'enabled', stage: 'experimental' }, { stage: 'prod' }];

function parseDocs(text: string): Obj[] {
  return parseAllDocuments(text)
    .map((document) => {
      assert.deepEqual(document.errors, [], 'YAML errors');
      return document.toJS() as Obj | null;
    })
    .filter((object): object is Obj => object !== null);
}

function key(object: Obj): string {
  return `${object['apiVersion']}/${object['kind']}/${object['metadata']?.['namespace'] ?? ''}/${object['metadata']?.['name']}`;
}

function byKey(objects: Obj[]): Map<string, Obj> {
  const map = new Map<string, Obj>();
  for (const object of objects) {
    assert.ok(!map.has(key(object)), `duplicate object ${key(object)}`);
    map.set(key(object), object);
  }
  return map;
}

function one(objects: Obj[], kind: string): Obj {
  const found = objects.filter((object) => object['kind'] === kind);
  assert.equal(found.length, 1, `expected exactly one ${kind}`);
  return found[0]!;
}

/** Every webhook of both configurations, each with the kind of its configuration. */
function allWebhooks(objects: Obj[]): { kind: string; webhook: Obj }[] {
  return ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'].flatMap((kind) =>
    webhooksOf(one(objects, kind)).map((webhook) => ({ kind, webhook })),
  );
}

/** object and oldObject of a Namespace update, as CEL sees them; undefined labels: no labels field. */
function namespaceUpdate(after: Record<string, string> | undefined, before: Record<string, string> | undefined): Record<string, CelInput> {
  const namespace = (labels: Record<string, string> | undefined): CelInput =>
    new Map<string, CelInput>([['metadata', new Map<string, CelInput>([['name', 'shop'], ...(labels ? [['labels', new Map(Object.entries(labels))] as [string, CelInput]] : [])])]]);
  return { object: namespace(after), oldObject: namespace(before) };
}

function celRequest(groups: string[]): CelInput {
  return new Map<string, CelInput>([['userInfo', new Map<string, CelInput>([['username', 'someone'], ['groups', groups]])]]);
}

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
]);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe('deploy/ rendered by kubectl kustomize', () => {
  let objects: Obj[] = [];
  let validating: Obj;
  let mutating: Obj;
  /** `ztgate manifests --config` of NARROW_CONFIG. */
  let narrow: Obj[] = [];
  const narrowDir = join(tmpdir(), `ztgate-narrow-${process.pid}`);

  before(async () => {
    const crd = join(REPO, 'deploy/crds/zerotrustrule.yaml');
    if (!existsSync(crd)) throw new Error(`${crd} is missing: the kustomization lists it (the ZeroTrustRule CRD issue writes it)`);
    objects = parseDocs(kustomize(findKubectl(), join(REPO, 'deploy')));
    validating = one(objects, 'ValidatingWebhookConfiguration');
    mutating = one(objects, 'MutatingWebhookConfiguration');
    mkdirSync(narrowDir, { recursive: true });
    writeFileSync(join(narrowDir, 'config.yaml'), NARROW_CONFIG);
    const result = await runCommand(manifestsCommand, ['--config', join(narrowDir, 'config.yaml')]);
    assert.equal(result.code, 0, result.stderr);
    narrow = parseDocs(result.stdout);
  });
  after(() => rmSync(narrowDir, { recursive: true, force: true }));

  test('every object is well formed and scoped as its kind requires', () => {
    byKey(objects);
    for (const object of objects) {
      assert.equal(typeof object['apiVersion'], 'string', key(object));
      assert.match(object['metadata']['name'], DNS_SUBDOMAIN, key(object));
      if (CLUSTER_SCOPED.has(object['kind'])) assert.equal(object['metadata']['namespace'], undefined, `${key(object)} is cluster-scoped`);
      else assert.equal(object['metadata']['namespace'], NAMESPACE, `${key(object)} lives in ${NAMESPACE}`);
    }
    const kinds = objects.map((object) => object['kind']);
    for (const kind of ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ConfigMap', 'Service', 'Deployment', 'PodDisruptionBudget', 'CustomResourceDefinition']) {
      assert.ok(kinds.includes(kind), `deploy/ has a ${kind}`);
    }
    assert.equal(one(objects, 'Namespace')['metadata']['name'], NAMESPACE);
  });

  describe('lockout safety', () => {
    // Every rule holds for every webhook, in deploy/ and in a rendering whose config narrows protection.
    for (const [rendering, pick, exempt] of [
      ['deploy/', () => objects, PROTECTED],
      ['manifests --config (narrowed protection)', () => narrow, NARROW_EXEMPT],
    ] as const) {
      test(`${rendering}: the system namespaces and ztgate's own are never sent to ztgate, whatever their labels`, () => {
        for (const { kind, webhook } of allWebhooks(pick())) {
          const expression = webhook['namespaceSelector']['matchExpressions'].find((e: Obj) => e['key'] === NAME_LABEL);
          assert.ok(['NotIn', 'In'].includes(expression?.['operator']), `${webhook['name']}: selects by ${NAME_LABEL}`);
          for (const name of exempt) {
            for (const labels of LABEL_SETS) assert.equal(selectsNamespace(webhook, name, labels), false, `${kind} ${webhook['name']}: ${name} ${JSON.stringify(labels)}`);
          }
        }
        for (const labels of LABEL_SETS) {
          assert.ok(reached(one(pick(), 'ValidatingWebhookConfiguration'), { group: '', resource: 'pods', operation: 'CREATE', namespace: 'default', labels }).length > 0, `ordinary namespaces are reviewed (${JSON.stringify(labels)})`);
        }
      });

      test(`${rendering}: leases, events, token and access reviews are never sent to ztgate`, () => {
        for (const { webhook } of allWebhooks(pick())) {
          const rules: Obj[] = webhook['rules'];
          for (const [group, resource] of NEVER) {
            for (const operation of ALL_OPERATIONS) {
              assert.ok(!rules.some((rule) => covers(rule, group, resource, operation)), `${webhook['name']}: ${group || 'core'}/${resource} ${operation} is skipped`);
            }
          }
          for (const rule of rules) {
            assert.ok(!rule['apiGroups'].includes('*') && !rule['resources'].includes('*'), `${webhook['name']}: no wildcard groups or resources`);
          }
        }
      });

      test(`${rendering}: requests from kubelets (system:nodes) are skipped by a matchCondition`, () => {
        for (const { webhook } of allWebhooks(pick())) {
          const expressions = (webhook['matchConditions'] as Obj[]).map((condition) => condition['expression'] as string);
          assert.ok(expressions.includes("!('system:nodes' in request.userInfo.groups)"), webhook['name']);
          // All conditions must hold for the webhook to be called: evaluate them as the API server would,
          // on a request of the kind the webhook is there for.
          const called = (groups: string[]) => conditionsHold(webhook, typicalRequest(webhook['name'], groups));
          assert.equal(called(['system:nodes', 'system:authenticated']), false, `${webhook['name']}: a kubelet is not sent`);
          assert.equal(called(['system:authenticated']), true, `${webhook['name']}: a user is sent`);
          assert.equal(called(['system:serviceaccounts', 'system:authenticated']), true, `${webhook['name']}: a controller is sent`);
        }
      });

      test(`${rendering}: namespaces.ztgate.io is sent label changes only, so other namespace updates flow while ztgate is down`, () => {
        const webhook = webhookNamed(one(pick(), 'ValidatingWebhookConfiguration'), NAMESPACES);
        assert.deepEqual(
          (webhook['rules'] as Obj[]).map((rule) => [rule['apiGroups'], rule['resources'], rule['operations']]),
          [[[''], ['namespaces'], ['UPDATE']]],
          'namespace updates only: not status or finalize, not create or delete',
        );
        const expressions = (webhook['matchConditions'] as Obj[]).map((condition) => condition['expression'] as string);
        const cases: [string, Record<string, string> | undefined, Record<string, string> | undefined, boolean][] = [
          ['a label removed', { a: '1' }, { a: '1', 'istio-injection': 'enabled' }, true],
          ['a label added', { a: '1', b: '2' }, { a: '1' }, true],
          ['a label value changed', { a: '2' }, { a: '1' }, true],
          ['labels gone altogether', undefined, { a: '1' }, true],
          ['labels where there were none', { a: '1' }, undefined, true],
          ['the same labels (annotations, finalizers or spec changed)', { a: '1', b: '2' }, { b: '2', a: '1' }, false],
          ['no labels before or after', undefined, undefined, false],
        ];
        for (const [what, after, before, sent] of cases) {
          const activation = { request: celRequest(['system:authenticated']), ...namespaceUpdate(after, before) };
          assert.equal(expressions.every((expression) => run(expression, activation) === true), sent, `${webhook['name']}: ${what}`);
        }
        // Every evaluated namespace, protected or not: the selector reads the new labels, which may leave protection.
        for (const labels of LABEL_SETS) {
          assert.ok(selectsNamespace(webhook, 'shop', labels), `${webhook['name']}: shop ${JSON.stringify(labels)}`);
          assert.ok(selectsNamespace(webhook, 'legacy', labels), `${webhook['name']}: legacy (excluded from protection) ${JSON.stringify(labels)}`);
        }
      });

      test(`${rendering}: sideEffects None, so kubectl --dry-run=server works`, () => {
        for (const { webhook } of allWebhooks(pick())) {
          assert.equal(webhook['sideEffects'], 'None', webhook['name']);
          assert.deepEqual(webhook['admissionReviewVersions'], ['v1'], webhook['name']);
        }
      });

      test(`${rendering}: mutation fails open; validation fails closed where ztgate protects or guards tiers, open elsewhere`, () => {
        for (const { kind, webhook } of allWebhooks(pick())) {
          const name: string = webhook['name'];
          const expected =
            name === VALIDATE || name === CALICO || name === NAMESPACES || name === EXTERNAL_IPS || name === MESH_ROUTING || name === MESH_ROOT
              ? 'Fail'
              : name === MUTATE || name === NEW_NAMESPACES || /^unprotected-\d+\.ztgate\.io$/.test(name)
                ? 'Ignore'
                : 'an unknown webhook';
          assert.equal(webhook['failurePolicy'], expected, `${kind} ${name}`);
          assert.equal(webhook['timeoutSeconds'], kind === 'MutatingWebhookConfiguration' ? 3 : 5, `${kind} ${name}: timeoutSeconds`);
        }
      });

      test(`${rendering}: each webhook calls a path ztgate serves, and a validating one the path of its own failurePolicy, so ztgate's fail-safe answers as the API server would without it`, () => {
        for (const { kind, webhook } of allWebhooks(pick())) {
          const path: string = webhook['clientConfig']['service']['path'];
          const route = REVIEW_ROUTES.find((candidate) => candidate.path === path);
          assert.ok(route, `${webhook['name']}: ${path} is served`);
          assert.equal(route.webhook, kind === 'MutatingWebhookConfiguration' ? 'mutate' : 'validate', `${webhook['name']}: ${path}`);
          if (route.webhook === 'validate') assert.equal(route.failurePolicy, webhook['failurePolicy'], `${webhook['name']}: ${path} answers for failurePolicy ${webhook['failurePolicy']}`);
        }
      });
    }

    test('validating: validate.ztgate.io, calico.ztgate.io and namespaces.ztgate.io fail closed with a 5 s timeout, namespace creation fails open; nothing is unprotected by default', () => {
      assert.equal(validating['metadata']['name'], 'ztgate');
      assert.deepEqual(webhooksOf(validating).map((webhook) => webhook['name']), [VALIDATE, CALICO, NAMESPACES, NEW_NAMESPACES, EXTERNAL_IPS, MESH_ROUTING, MESH_ROOT]);
      assert.equal(webhookNamed(validating, NEW_NAMESPACES)['failurePolicy'], 'Ignore', 'namespace creation never waits for ztgate');
      for (const name of [VALIDATE, CALICO, NAMESPACES, EXTERNAL_IPS, MESH_ROUTING, MESH_ROOT]) {
        const webhook = webhookNamed(validating, name);
        assert.equal(webhook['failurePolicy'], 'Fail');
        assert.equal(webhook['timeoutSeconds'], 5);
        assert.deepEqual(webhook['clientConfig']['service'], { name: 'ztgate', namespace: NAMESPACE, path: '/validate/fail', port: 443 });
      }
    });

    test('external-ips.ztgate.io is sent exactly the Service writes that add an external IP, and validate.ztgate.io everything else', () => {
      const claims = webhookNamed(validating, EXTERNAL_IPS);
      const validate = webhookNamed(validating, VALIDATE);
      assert.deepEqual(
        (claims['rules'] as Obj[]).map((rule) => [rule['apiGroups'], rule['resources'], rule['operations']]),
        [[[''], ['services'], ['CREATE', 'UPDATE']]],
        'Service writes only: not status, not DELETE',
      );
      /** [what, operation, object, oldObject, sent to external-ips.ztgate.io] */
      const cases: [string, string, Obj, Obj | undefined, boolean][] = [
        ['a Service without externalIPs', 'CREATE', service(), undefined, false],
        ['a Service with an empty list', 'CREATE', service([]), undefined, false],
        ['a Service with an external IP', 'CREATE', service(['203.0.113.9']), undefined, true],
        ['an update that keeps the addresses', 'UPDATE', service(['203.0.113.9']), service(['203.0.113.9']), false],
        ['an update that adds one', 'UPDATE', service(['203.0.113.9', '192.0.2.1']), service(['203.0.113.9']), true],
        ['an update that removes one', 'UPDATE', service(['203.0.113.9']), service(['203.0.113.9', '192.0.2.1']), false],
        ['an update that adds the first', 'UPDATE', service(['192.0.2.1']), service(), true],
        ['an update that swaps one for another', 'UPDATE', service(['192.0.2.2']), service(['192.0.2.1']), true],
      ];
      for (const [what, operation, object, oldObject, sent] of cases) {
        const request: SentRequest = { group: '', resource: 'services', operation, namespace: 'shop', object, oldObject: oldObject ?? null };
        assert.equal(conditionsHold(claims, request), sent, `${EXTERNAL_IPS}: ${what}`);
        assert.equal(conditionsHold(validate, request), !sent, `${VALIDATE}: ${what}`);
      }
      for (const resource of ['pods', 'deployments', 'networkpolicies']) {
        const request: SentRequest = { group: '', resource, operation: 'CREATE', namespace: 'shop', object: service(['203.0.113.9']) };
        assert.equal(conditionsHold(validate, request), true, `${VALIDATE}: a ${resource} write with a spec.externalIPs field is not a Service`);
      }
      assert.equal(conditionsHold(validate, { group: 'networking.k8s.io', resource: 'networkpolicies', operation: 'DELETE', namespace: 'shop', object: null }), true, 'a DELETE (no object) does not error');
    });

    test('mesh-routing.ztgate.io is sent the VirtualService writes that may route other namespaces, and validate.ztgate.io every other one', () => {
      const routing = webhookNamed(validating, MESH_ROUTING);
      const validate = webhookNamed(validating, VALIDATE);
      assert.deepEqual(
        (routing['rules'] as Obj[]).map((rule) => [rule['apiGroups'], rule['resources'], rule['operations']]),
        [[['networking.istio.io'], ['virtualservices', 'serviceentries'], ['CREATE', 'UPDATE']]],
        'VirtualService and ServiceEntry writes only: not status, not DELETE',
      );
      const foreign = 'reviews.payments.svc.cluster.local';
      /** [what, operation, object, oldObject, sent to mesh-routing.ztgate.io] */
      const cases: [string, string, Obj, Obj | undefined, boolean][] = [
        ['a short host', 'CREATE', virtualService({ hosts: ['reviews'] }), undefined, false],
        ['an external host', 'CREATE', virtualService({ hosts: ['api.example.com'] }), undefined, false],
        ['a two-label host (another namespace’s service, if that namespace exists)', 'CREATE', virtualService({ hosts: ['reviews.payments'] }), undefined, true],
        ['another namespace’s service', 'CREATE', virtualService({ hosts: [foreign] }), undefined, true],
        ['its own service by full name (CEL cannot tell)', 'CREATE', virtualService({ hosts: ['reviews.shop.svc.cluster.local'] }), undefined, true],
        ['upper case', 'CREATE', virtualService({ hosts: ['Reviews.Payments.SVC'] }), undefined, true],
        ['a wildcard', 'CREATE', virtualService({ hosts: ['*.local'] }), undefined, true],
        ['exportTo ["."]', 'CREATE', virtualService({ hosts: [foreign], exportTo: ['.'] }), undefined, false],
        ['exportTo its own namespace by name and ~', 'CREATE', virtualService({ hosts: [foreign], exportTo: ['shop', '~'] }), undefined, false],
        ['exportTo another namespace', 'CREATE', virtualService({ hosts: [foreign], exportTo: ['.', 'payments'] }), undefined, true],
        ['an empty exportTo', 'CREATE', virtualService({ hosts: [foreign], exportTo: [] }), undefined, true],
        ['bound to a gateway only', 'CREATE', virtualService({ hosts: [foreign], gateways: ['edge/public'] }), undefined, false],
        ['bound to mesh and a gateway', 'CREATE', virtualService({ hosts: [foreign], gateways: ['mesh', 'edge/public'] }), undefined, true],
        ['a delegate (no hosts)', 'CREATE', virtualService({}), undefined, false],
        ['an update of metadata only', 'UPDATE', virtualService({ hosts: [foreign] }), virtualService({ hosts: [foreign] }), false],
        ['an update of its routes', 'UPDATE', virtualService({ hosts: [foreign], http: [] }), virtualService({ hosts: [foreign] }), true],
        ['an update that widens exportTo', 'UPDATE', virtualService({ hosts: [foreign] }), virtualService({ hosts: [foreign], exportTo: ['.'] }), true],
      ];
      for (const [what, operation, object, oldObject, sent] of cases) {
        const request: SentRequest = { group: 'networking.istio.io', resource: 'virtualservices', operation, namespace: 'shop', object, oldObject: oldObject ?? null };
        assert.equal(conditionsHold(routing, request), sent, `${MESH_ROUTING}: ${what}`);
        assert.equal(conditionsHold(validate, request), !sent, `${VALIDATE}: ${what}`);
      }
      const entry = (spec: Obj): Obj => ({ metadata: { name: 'stripe', namespace: 'shop' }, spec: { hosts: ['api.stripe.com'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], ...spec } });
      /** [what, object, sent to mesh-routing.ztgate.io] */
      const entries: [string, Obj, boolean][] = [
        ['a ServiceEntry resolved by DNS', entry({ resolution: 'DNS' }), false],
        ['one with its own endpoints', entry({ resolution: 'STATIC', endpoints: [{ address: '10.1.2.3' }] }), true],
        ['one selecting workloads', entry({ resolution: 'STATIC', workloadSelector: { labels: { app: 'proxy' } } }), true],
        ['one with endpoints, exportTo ["."]', entry({ resolution: 'STATIC', endpoints: [{ address: '10.1.2.3' }], exportTo: ['.'] }), false],
        ['one with an empty endpoints list', entry({ resolution: 'DNS', endpoints: [] }), false],
      ];
      for (const [what, object, sent] of entries) {
        const request: SentRequest = { group: 'networking.istio.io', resource: 'serviceentries', operation: 'CREATE', namespace: 'shop', object };
        assert.equal(conditionsHold(routing, request), sent, `${MESH_ROUTING}: ${what}`);
        assert.equal(conditionsHold(validate, request), !sent, `${VALIDATE}: ${what}`);
      }
      for (const [group, resource] of [['networking.istio.io', 'destinationrules'], ['', 'services']] as const) {
        const request: SentRequest = { group, resource, operation: 'CREATE', namespace: 'shop', object: virtualService({ hosts: [foreign] }) };
        assert.equal(conditionsHold(validate, request), true, `${VALIDATE}: a ${resource} write with spec.hosts is not a VirtualService`);
      }
    });

    test('mesh-root.ztgate.io is sent the Istio root namespace’s PeerAuthentications, AuthorizationPolicies, DestinationRules, EnvoyFilters and WasmPlugins, and no webhook else is', () => {
      const root = webhookNamed(validating, MESH_ROOT);
      assert.deepEqual(root['namespaceSelector'], { matchExpressions: [{ key: NAME_LABEL, operator: 'In', values: ['istio-system'] }] });
      /** [group, resource, operation, namespace, where it goes] */
      const cases: [string, string, string, string, string[]][] = [
        ['security.istio.io', 'peerauthentications', 'CREATE', 'istio-system', [MESH_ROOT]],
        ['security.istio.io', 'peerauthentications', 'DELETE', 'istio-system', [MESH_ROOT]],
        ['security.istio.io', 'authorizationpolicies', 'UPDATE', 'istio-system', [MESH_ROOT]],
        ['networking.istio.io', 'destinationrules', 'CREATE', 'istio-system', [MESH_ROOT]],
        ['networking.istio.io', 'envoyfilters', 'UPDATE', 'istio-system', [MESH_ROOT]],
        ['extensions.istio.io', 'wasmplugins', 'DELETE', 'istio-system', [MESH_ROOT]],
        ['security.istio.io', 'peerauthentications', 'CREATE', 'shop', [VALIDATE]],
        ['extensions.istio.io', 'wasmplugins', 'CREATE', 'shop', [VALIDATE]],
        ['networking.istio.io', 'virtualservices', 'CREATE', 'istio-system', [VALIDATE]],
        ['', 'pods', 'CREATE', 'istio-system', [VALIDATE]],
        ['security.istio.io', 'peerauthentications', 'CREATE', 'kube-system', []],
      ];
      for (const [group, resource, operation, namespace, expected] of cases) {
        const request: SentRequest = { group, resource, operation, namespace, ...(operation === 'DELETE' ? { object: null } : {}) };
        assert.deepEqual(reached(validating, request), expected, `${group || 'core'}/${resource} ${operation} in ${namespace}`);
      }
      const exempt = validatingWebhookConfiguration({ namespace: NAMESPACE, image: 'ztgate:test', scope: scopeOf(parseConfigText('systemNamespaces: [kube-system, kube-public, kube-node-lease, istio-system]\n', 'exempt-root.yaml')) });
      const names = webhooksOf(exempt).map((webhook) => webhook['name']);
      assert.ok(!names.includes(MESH_ROOT), `a root namespace in systemNamespaces is never evaluated, so nothing sends its policy: ${names.join(', ')}`);
      assert.ok(JSON.stringify(exempt).includes('not-routing-other-namespaces') && !JSON.stringify(exempt).includes('not-mesh-root-policy'), 'and no webhook carves it out');
    });

    test('manifests --config: an excluded namespace fails open for workloads, and closed for Calico policy (ZT-NET-003 runs everywhere)', () => {
      const configuration = one(narrow, 'ValidatingWebhookConfiguration');
      const policyOf = (names: string[]) => names.map((name) => webhookNamed(configuration, name)['failurePolicy']);
      for (const [namespace, labels] of [
        ['legacy', { 'zero-trust': 'enabled' }],
        ['unlabelled', {}],
        ['experiments', { 'zero-trust': 'enabled', stage: 'experimental' }],
      ] as const) {
        const pods = reached(configuration, { group: '', resource: 'pods', operation: 'CREATE', namespace, labels });
        assert.deepEqual(policyOf(pods), ['Ignore'], `${namespace}: Pods reach ${pods.join(', ')}`);
        const tiered = reached(configuration, { group: 'projectcalico.org', resource: 'networkpolicies', operation: 'CREATE', namespace, labels });
        assert.deepEqual(tiered, [CALICO], `${namespace}: Calico NetworkPolicy`);
        const services = reached(configuration, { group: '', resource: 'services', operation: 'CREATE', namespace, labels, object: service() });
        assert.deepEqual(policyOf(services), ['Ignore'], `${namespace}: Services reach ${services.join(', ')}`);
        const claiming = reached(configuration, { group: '', resource: 'services', operation: 'CREATE', namespace, labels, object: service(['203.0.113.9']) });
        assert.deepEqual(claiming, [EXTERNAL_IPS], `${namespace}: a Service claiming an external IP (ZT-NET-008 runs everywhere)`);
        const vs = (hosts: string[]): SentRequest => ({ group: 'networking.istio.io', resource: 'virtualservices', operation: 'CREATE', namespace, labels: { ...labels }, object: virtualService({ hosts }) });
        assert.deepEqual(reached(configuration, vs(['reviews.payments.svc.cluster.local'])), [MESH_ROUTING], `${namespace}: a VirtualService routing another namespace (ZT-NET-010 runs everywhere)`);
        assert.deepEqual(policyOf(reached(configuration, vs(['reviews']))), ['Ignore'], `${namespace}: a VirtualService of its own hosts`);
      }
      // The Istio root namespace, excluded: its workloads fail open, its mesh-wide policy closed.
      assert.deepEqual(policyOf(reached(configuration, { group: '', resource: 'pods', operation: 'CREATE', namespace: 'istio-system' })), ['Ignore'], 'istio-system: Pods');
      for (const resource of ['peerauthentications', 'authorizationpolicies']) {
        assert.deepEqual(reached(configuration, { group: 'security.istio.io', resource, operation: 'CREATE', namespace: 'istio-system' }), [MESH_ROOT], `istio-system: ${resource}`);
        assert.deepEqual(policyOf(reached(configuration, { group: 'security.istio.io', resource, operation: 'CREATE', namespace: 'legacy' })), ['Ignore'], `legacy: ${resource}`);
      }
      const protectedPods = reached(configuration, { group: '', resource: 'pods', operation: 'CREATE', namespace: 'shop', labels: { 'zero-trust': 'enabled', stage: 'prod' } });
      assert.deepEqual(protectedPods, [VALIDATE]);
      const selector = webhookNamed(configuration, VALIDATE)['namespaceSelector'];
      assert.deepEqual(selector['matchLabels'], { 'zero-trust': 'enabled' }, 'protection.namespaceSelector.matchLabels merged');
      assert.deepEqual(selector['matchExpressions'], [
        { key: NAME_LABEL, operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease', 'calico-system', NAMESPACE, 'legacy', 'istio-system'] },
        { key: 'stage', operator: 'NotIn', values: ['experimental'] },
      ]);
    });

    test('manifests --config: the mutating webhook still sees excluded namespaces, where injection follows the mesh labels', () => {
      const configuration = one(narrow, 'MutatingWebhookConfiguration');
      assert.deepEqual(reached(configuration, { group: '', resource: 'pods', operation: 'CREATE', namespace: 'legacy' }), [MUTATE]);
      assert.deepEqual(reached(configuration, { group: '', resource: 'pods', operation: 'CREATE', namespace: 'calico-system' }), [], 'config systemNamespaces are exempt');
    });

    test('mutating: fails open with a 3 s timeout, reinvoked if needed, Istio-style opt-out', () => {
      assert.equal(mutating['metadata']['name'], 'ztgate');
      assert.equal(webhooksOf(mutating).length, 1);
      const webhook = webhookNamed(mutating, MUTATE);
      assert.equal(webhook['failurePolicy'], 'Ignore');
      assert.equal(webhook['timeoutSeconds'], 3);
      assert.equal(webhook['reinvocationPolicy'], 'IfNeeded');
      assert.deepEqual(webhook['clientConfig']['service'], { name: 'ztgate', namespace: NAMESPACE, path: '/mutate', port: 443 });
      const selector = parseLabelSelector(new ConfigNode(webhook['objectSelector'], 'objectSelector'));
      assert.equal(selectorMatches(selector, { 'sidecar.istio.io/inject': 'false' }), false, 'opted-out Pods are not sent');
      assert.equal(selectorMatches(selector, { 'sidecar.istio.io/inject': 'true' }), true);
      assert.equal(selectorMatches(selector, {}), true, 'unlabelled Pods are sent');
    });

    test('the config deadlines leave room inside the webhook timeouts', () => {
      const configMap = one(objects, 'ConfigMap');
      const config = parseConfigText(configMap['data'][CONFIG_FILE], 'deploy/config.yaml');
      assert.equal(config.ztgateNamespace, NAMESPACE);
      for (const webhook of webhooksOf(validating)) assert.ok(config.deadlines.validateMs < webhook['timeoutSeconds'] * 1000, webhook['name']);
      for (const webhook of webhooksOf(mutating)) assert.ok(config.deadlines.mutateMs < webhook['timeoutSeconds'] * 1000, webhook['name']);
      assert.deepEqual([...SYSTEM_NAMESPACES], DEFAULT_SYSTEM_NAMESPACES, 'manifests and config agree on the system namespaces');
    });
  });

  describe('what is reviewed', () => {
    for (const r of REVIEWED) {
      test(`validating covers ${r.group || 'core'}/${r.resource} on ${r.operations.join('/')}`, () => {
        for (const operation of r.operations) {
          const by = webhooksOf(validating).filter((webhook) => (webhook['rules'] as Obj[]).some((rule) => covers(rule, r.group, r.resource, operation)));
          assert.ok(by.length > 0, operation);
          if (r.cluster) assert.ok(by.some((webhook) => webhook['failurePolicy'] === 'Fail' && (webhook['rules'] as Obj[]).some((rule) => rule['scope'] !== 'Namespaced')), `${operation}: a cluster-scoped kind`);
        }
      });
    }

    test('mutating sees Pod creation only', () => {
      const rules: Obj[] = webhookNamed(mutating, MUTATE)['rules'];
      assert.ok(rules.some((rule) => covers(rule, '', 'pods', 'CREATE')));
      for (const operation of ['UPDATE', 'DELETE', 'CONNECT']) assert.ok(!rules.some((rule) => covers(rule, '', 'pods', operation)), operation);
      assert.ok(rules.every((rule) => rule['resources'].every((r: string) => r === 'pods')));
    });
  });

  describe('workload', () => {
    test('Deployment: 3 replicas, spread, critical priority, restricted, probed, bounded', () => {
      const deployment = one(objects, 'Deployment');
      const pod = deployment['spec']['template'];
      assert.equal(deployment['spec']['replicas'], 3);
      assert.equal(pod['spec']['priorityClassName'], 'system-cluster-critical');
      const terms = pod['spec']['affinity']['podAntiAffinity']['preferredDuringSchedulingIgnoredDuringExecution'];
      assert.ok(terms.some((term: Obj) => term['podAffinityTerm']['topologyKey'] === 'kubernetes.io/hostname'));
      const podSelector = parseLabelSelector(new ConfigNode(deployment['spec']['selector'], 'selector'));
      assert.ok(selectorMatches(podSelector, pod['metadata']['labels']), 'the selector matches the template');
      assert.equal(pod['spec']['securityContext']['runAsNonRoot'], true);
      assert.equal(pod['spec']['securityContext']['seccompProfile']['type'], 'RuntimeDefault');
      const [container, ...others] = pod['spec']['containers'];
      assert.equal(others.length, 0);
      const security = container['securityContext'];
      assert.equal(security['readOnlyRootFilesystem'], true);
      assert.equal(security['allowPrivilegeEscalation'], false);
      assert.deepEqual(security['capabilities']['drop'], ['ALL']);
      assert.equal(container['readinessProbe']['httpGet']['path'], '/readyz');
      assert.equal(container['livenessProbe']['httpGet']['path'], '/healthz');
      for (const probe of [container['readinessProbe'], container['livenessProbe']]) {
        const port = container['ports'].find((p: Obj) => p['name'] === probe['httpGet']['port'] || p['containerPort'] === probe['httpGet']['port']);
        assert.equal(port?.['containerPort'], 9090, 'probes hit the plain-HTTP metrics port (no client certificate needed)');
        assert.equal(probe['httpGet']['scheme'], 'HTTP');
      }
      for (const kind of ['requests', 'limits']) {
        assert.ok(container['resources'][kind]['cpu'] && container['resources'][kind]['memory'], `resources.${kind}`);
      }
      const mounted = new Set(container['volumeMounts'].map((mount: Obj) => mount['name']));
      const configVolume = pod['spec']['volumes'].find((volume: Obj) => volume['configMap']);
      assert.equal(configVolume['configMap']['name'], one(objects, 'ConfigMap')['metadata']['name']);
      assert.ok(mounted.has(configVolume['name']));
      assert.equal(pod['spec']['serviceAccountName'], one(objects, 'ServiceAccount')['metadata']['name']);
    });

    test('PodDisruptionBudget and Service select the ztgate Pods; Service 443 → 8443', () => {
      const labels = one(objects, 'Deployment')['spec']['template']['metadata']['labels'];
      const pdb = one(objects, 'PodDisruptionBudget');
      assert.ok(selectorMatches(parseLabelSelector(new ConfigNode(pdb['spec']['selector'], 'selector')), labels));
      assert.ok(pdb['spec']['maxUnavailable'] === 1 || pdb['spec']['minAvailable'] === 2);
      const service = one(objects, 'Service');
      assert.equal(service['metadata']['name'], 'ztgate');
      assert.ok(Object.entries(service['spec']['selector']).every(([k, v]) => labels[k] === v));
      assert.deepEqual(
        service['spec']['ports'].map((port: Obj) => [port['port'], port['targetPort']]),
        [[443, 8443]],
      );
    });
  });

  describe('RBAC is least privilege', () => {
    const rulesOf = (kind: string): Obj[] => one(objects, kind)['rules'];

    test('no wildcards, no delete, no escalation', () => {
      for (const kind of ['ClusterRole', 'Role']) {
        for (const rule of rulesOf(kind)) {
          for (const field of ['apiGroups', 'resources', 'verbs']) assert.ok(!rule[field].includes('*'), `${kind} ${field} has no wildcard`);
          for (const verb of ['delete', 'deletecollection', 'patch', 'escalate', 'bind', 'impersonate']) {
            assert.ok(!rule['verbs'].includes(verb), `${kind} does not grant ${verb}`);
          }
        }
      }
    });

    test('cluster-wide: read namespaces and ZeroTrustRules; get/update only its own webhook configurations', () => {
      const rules = rulesOf('ClusterRole');
      const grants = (group: string, resource: string, verb: string, name?: string) =>
        rules.some(
          (rule) =>
            rule['apiGroups'].includes(group) &&
            rule['resources'].includes(resource) &&
            rule['verbs'].includes(verb) &&
            (rule['resourceNames'] === undefined || (name !== undefined && rule['resourceNames'].includes(name))),
        );
      for (const verb of ['get', 'list', 'watch']) {
        assert.ok(grants('', 'namespaces', verb), `namespaces ${verb}`);
        assert.ok(grants(RULE_GROUP, RULE_PLURAL, verb), `zerotrustrules ${verb}`);
      }
      for (const resource of ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations']) {
        const rule = rules.find((r) => r['resources'].includes(resource));
        assert.deepEqual(rule?.['resourceNames'], ['ztgate'], `${resource} limited to ztgate`);
        assert.deepEqual([...rule!['verbs']].sort(), ['get', 'update']);
      }
      assert.ok(!rules.some((rule) => rule['resources'].includes('secrets')), 'no cluster-wide Secret access');
    });

    test('the ZeroTrustRule read grant names the CRD that ships', () => {
      const crd = one(objects, 'CustomResourceDefinition');
      assert.equal(crd['spec']['group'], RULE_GROUP);
      assert.equal(crd['spec']['names']['plural'], RULE_PLURAL);
    });

    test('namespaced: Secrets only by name, except create (which Kubernetes cannot limit by name)', () => {
      const rules = rulesOf('Role');
      for (const rule of rules) {
        assert.deepEqual(rule['resources'], ['secrets']);
        if (rule['resourceNames']) {
          assert.deepEqual([...rule['resourceNames']].sort(), ['ztgate-ca', 'ztgate-tls']);
          assert.deepEqual([...rule['verbs']].sort(), ['get', 'update']);
        } else {
          assert.deepEqual(rule['verbs'], ['create']);
        }
      }
    });

    test('bindings give the roles to the ztgate ServiceAccount only', () => {
      const account = one(objects, 'ServiceAccount');
      for (const [binding, role] of [
        ['ClusterRoleBinding', 'ClusterRole'],
        ['RoleBinding', 'Role'],
      ]) {
        const object = one(objects, binding!);
        assert.deepEqual(object['subjects'], [{ kind: 'ServiceAccount', name: account['metadata']['name'], namespace: NAMESPACE }]);
        assert.equal(object['roleRef']['kind'], role);
        assert.equal(object['roleRef']['name'], one(objects, role!)['metadata']['name']);
      }
    });
  });

  describe('`ztgate manifests` prints the same objects', () => {
    const scratch = join(tmpdir(), `ztgate-manifests-${process.pid}`);
    const configFile = (name: string) => join(scratch, name);
    before(() => {
      mkdirSync(scratch, { recursive: true });
      writeFileSync(configFile('other-namespace.yaml'), 'ztgateNamespace: gatekeeping\nprotection:\n  excludeNamespaces: [legacy]\n');
      writeFileSync(configFile('broken.yaml'), 'protection:\n  excludeNamespaces: legacy\n');
      writeFileSync(configFile('slow.yaml'), 'deadlines:\n  validate: 5s\n');
      writeFileSync(configFile('slow-mutate.yaml'), 'deadlines:\n  mutate: 3s\n');
    });
    after(() => rmSync(scratch, { recursive: true, force: true }));

    test('with no options it equals kubectl kustomize deploy/', async () => {
      const result = await runCommand(manifestsCommand, []);
      assert.equal(result.code, 0);
      const printed = byKey(parseDocs(result.stdout));
      const rendered = byKey(objects);
      assert.deepEqual([...printed.keys()].sort(), [...rendered.keys()].sort());
      for (const [name, object] of rendered) assert.deepEqual(printed.get(name), object, name);
    });

    test('--ca-file and --url point every webhook at a URL with that CA (the e2e setup)', async () => {
      const caFile = join(scratch, 'ca.crt');
      const { caPem } = generateCertificates(['127.0.0.1']);
      writeFileSync(caFile, caPem);
      const result = await runCommand(manifestsCommand, ['--ca-file', caFile, '--url', 'https://127.0.0.1:9443/', '--config', join(narrowDir, 'config.yaml')]);
      assert.equal(result.code, 0);
      const printed = parseDocs(result.stdout);
      const webhooks = allWebhooks(printed);
      assert.ok(webhooks.length >= 4, 'validate, calico, at least one unprotected, mutate');
      for (const { kind, webhook } of webhooks) {
        const clientConfig = webhook['clientConfig'];
        assert.deepEqual(Object.keys(clientConfig).sort(), ['caBundle', 'url']);
        const path = kind === 'MutatingWebhookConfiguration' ? '/mutate' : webhook['failurePolicy'] === 'Fail' ? '/validate/fail' : '/validate/ignore';
        assert.equal(clientConfig['url'], `https://127.0.0.1:9443${path}`, webhook['name']);
        assert.equal(Buffer.from(clientConfig['caBundle'], 'base64').toString('utf8'), caPem);
      }
    });

    test('--config: the ConfigMap carries the file, and the webhooks its scope', async () => {
      assert.equal(one(narrow, 'ConfigMap')['data'][CONFIG_FILE], NARROW_CONFIG);
      const names = webhooksOf(one(narrow, 'ValidatingWebhookConfiguration')).map((webhook) => webhook['name']);
      assert.deepEqual(names, [VALIDATE, CALICO, NAMESPACES, NEW_NAMESPACES, EXTERNAL_IPS, MESH_ROUTING, MESH_ROOT, 'unprotected-1.ztgate.io', 'unprotected-2.ztgate.io', 'unprotected-3.ztgate.io']);
      const rest = (objects: Obj[]) => objects.filter((o) => !['ConfigMap', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'].includes(o['kind']));
      assert.deepEqual(rest(narrow), rest(objects), 'nothing else changes');
    });

    test("--config without --namespace installs into the config's ztgateNamespace", async () => {
      const result = await runCommand(manifestsCommand, ['--config', configFile('other-namespace.yaml')]);
      const printed = parseDocs(result.stdout);
      assert.equal(one(printed, 'Namespace')['metadata']['name'], 'gatekeeping');
      for (const { webhook } of allWebhooks(printed)) {
        assert.equal(selectsNamespace(webhook, 'gatekeeping'), false, `${webhook['name']} skips gatekeeping`);
        assert.equal(webhook['clientConfig']['service']['namespace'], 'gatekeeping');
      }
    });

    test('--namespace moves every namespaced object and excludes the new namespace', async () => {
      const result = await runCommand(manifestsCommand, ['--namespace', 'gatekeeping', '--image', 'registry.example/ztgate:9']);
      const printed = parseDocs(result.stdout);
      for (const object of printed) {
        if (!CLUSTER_SCOPED.has(object['kind'])) assert.equal(object['metadata']['namespace'], 'gatekeeping', key(object));
      }
      assert.equal(one(printed, 'Namespace')['metadata']['name'], 'gatekeeping');
      assert.equal(one(printed, 'Deployment')['spec']['template']['spec']['containers'][0]['image'], 'registry.example/ztgate:9');
      for (const { webhook } of allWebhooks(printed)) {
        assert.equal(selectsNamespace(webhook, 'gatekeeping'), false, `${webhook['name']} skips gatekeeping`);
        // mesh-root.ztgate.io selects the Istio root namespace alone, wherever ztgate is installed.
        if (webhook['name'] !== MESH_ROOT) assert.equal(selectsNamespace(webhook, NAMESPACE), true, `${webhook['name']} no longer skips ${NAMESPACE}`);
        assert.equal(webhook['clientConfig']['service']['namespace'], 'gatekeeping');
      }
      for (const binding of ['ClusterRoleBinding', 'RoleBinding']) {
        assert.equal(one(printed, binding)['subjects'][0]['namespace'], 'gatekeeping');
      }
      assert.match(one(printed, 'ConfigMap')['data'][CONFIG_FILE], /^ztgateNamespace: gatekeeping$/m);
    });

    const bad: [string, string[], RegExp][] = [
      ['a plain-http URL', ['--url', 'http://127.0.0.1:9443'], /https/],
      ['a URL with a query', ['--url', 'https://127.0.0.1:9443/?a=b'], /query/],
      ['a CA file that is not PEM', ['--ca-file', 'package.json'], /no PEM certificate/],
      ['a missing CA file', ['--ca-file', 'no-such-file.crt'], /ENOENT/],
      ['an invalid namespace', ['--namespace', 'Not_A_Namespace'], /namespace/],
      ['an unknown flag', ['--replicas', '5'], /replicas/],
      ['a missing config file', ['--config', 'no-such-config.yaml'], /--config .*no-such-config\.yaml: ENOENT/],
      ['a config that does not load', ['--config', configFile('broken.yaml')], /broken\.yaml: protection\.excludeNamespaces: /],
      ['--namespace other than the config\'s ztgateNamespace', ['--config', configFile('other-namespace.yaml'), '--namespace', 'ztgate-system'], /ztgateNamespace gatekeeping .*review its own namespace/],
      ['a validate deadline not below the webhook timeout', ['--config', configFile('slow.yaml')], /deadlines\.validate \(5000 ms\) must be below .* \(5 s\)/],
      ['a mutate deadline not below the webhook timeout', ['--config', configFile('slow-mutate.yaml')], /deadlines\.mutate \(3000 ms\) must be below .* \(3 s\)/],
    ];
    for (const [what, args, message] of bad) {
      test(`refuses ${what}`, async () => {
        await assert.rejects(runCommand(manifestsCommand, args, REPO), (error: Error) => error.name === 'UsageError' && message.test(error.message));
      });
    }
  });
});
