import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run, type CelInput } from '@bufbuild/cel';
import { parseAllDocuments } from 'yaml';
import { manifestsCommand } from '../../src/cli/manifests.js';
import { ConfigNode } from '../../src/config/reader.js';
import { DEFAULT_SYSTEM_NAMESPACES, parseConfigText } from '../../src/config/parse.js';
import { CONFIG_FILE, RULE_GROUP, RULE_PLURAL, SYSTEM_NAMESPACES } from '../../src/manifests/names.js';
import { generateCertificates } from '../../src/tls/dev-certs.js';
import { parseLabelSelector, selectorMatches } from '../../src/util/label-selector.js';
import { runCommand } from './io.js';
import { REPO, findKubectl, kustomize } from './kubectl.js';

type Obj = Record<string, any>;

const NAMESPACE = 'ztgate-system';
const PROTECTED = ['kube-system', 'kube-public', 'kube-node-lease', NAMESPACE];
const WRITE = ['CREATE', 'UPDATE'];
const WRITE_DELETE = ['CREATE', 'UPDATE', 'DELETE'];
const ALL_OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];
const CALICO = ['networkpolicies', 'globalnetworkpolicies', 'stagednetworkpolicies', 'stagedglobalnetworkpolicies', 'tiers'];

/** [apiGroup, resource, operations] the validating webhook must review. */
const VALIDATED: [string, string, string[]][] = [
  ['', 'pods', WRITE],
  ['', 'pods/ephemeralcontainers', WRITE],
  ['', 'replicationcontrollers', WRITE],
  ['', 'services', WRITE],
  ['apps', 'deployments', WRITE],
  ['apps', 'statefulsets', WRITE],
  ['apps', 'daemonsets', WRITE],
  ['apps', 'replicasets', WRITE],
  ['batch', 'jobs', WRITE],
  ['batch', 'cronjobs', WRITE],
  ['networking.k8s.io', 'networkpolicies', WRITE_DELETE],
  ...CALICO.flatMap((resource): [string, string, string[]][] => [
    ['projectcalico.org', resource, WRITE_DELETE],
    ['crd.projectcalico.org', resource, WRITE_DELETE],
  ]),
  ['security.istio.io', 'peerauthentications', WRITE_DELETE],
  ['security.istio.io', 'authorizationpolicies', WRITE_DELETE],
  ['networking.istio.io', 'destinationrules', WRITE_DELETE],
];

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

/** Rule matching as the API server does it, wildcards included. */
function covers(rule: Obj, group: string, resource: string, operation: string): boolean {
  const [main, sub] = resource.split('/');
  const resources: string[] = rule['resources'];
  const resourceMatch =
    resources.includes('*') ||
    resources.includes(resource) ||
    (sub !== undefined && (resources.includes(`${main}/*`) || resources.includes(`*/${sub}`)));
  return (
    (rule['apiGroups'].includes('*') || rule['apiGroups'].includes(group)) &&
    resourceMatch &&
    (rule['operations'].includes('*') || rule['operations'].includes(operation))
  );
}

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

function onlyWebhook(configuration: Obj): Obj {
  assert.equal(configuration['webhooks'].length, 1, `${configuration['kind']} has one webhook`);
  return configuration['webhooks'][0];
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

  before(() => {
    const crd = join(REPO, 'deploy/crds/zerotrustrule.yaml');
    if (!existsSync(crd)) throw new Error(`${crd} is missing: the kustomization lists it (the ZeroTrustRule CRD issue writes it)`);
    objects = parseDocs(kustomize(findKubectl(), join(REPO, 'deploy')));
    validating = one(objects, 'ValidatingWebhookConfiguration');
    mutating = one(objects, 'MutatingWebhookConfiguration');
  });

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
    for (const [label, pick] of [
      ['validating', () => validating],
      ['mutating', () => mutating],
    ] as const) {
      test(`${label}: the system namespaces and ztgate's own are never sent to ztgate`, () => {
        const webhook = onlyWebhook(pick());
        const expression = webhook['namespaceSelector']['matchExpressions'].find((e: Obj) => e['key'] === 'kubernetes.io/metadata.name');
        assert.equal(expression?.['operator'], 'NotIn');
        const selector = parseLabelSelector(new ConfigNode(webhook['namespaceSelector'], 'namespaceSelector'));
        for (const name of PROTECTED) {
          assert.equal(selectorMatches(selector, { 'kubernetes.io/metadata.name': name }), false, `${name} is excluded`);
        }
        assert.equal(selectorMatches(selector, { 'kubernetes.io/metadata.name': 'default' }), true, 'ordinary namespaces are reviewed');
      });

      test(`${label}: leases, events, token and access reviews are never sent to ztgate`, () => {
        const rules: Obj[] = onlyWebhook(pick())['rules'];
        for (const [group, resource] of NEVER) {
          for (const operation of ALL_OPERATIONS) {
            assert.ok(!rules.some((rule) => covers(rule, group, resource, operation)), `${group || 'core'}/${resource} ${operation} is skipped`);
          }
        }
        for (const rule of rules) {
          assert.ok(!rule['apiGroups'].includes('*') && !rule['resources'].includes('*'), 'no wildcard groups or resources');
        }
      });

      test(`${label}: requests from kubelets (system:nodes) are skipped by a matchCondition`, () => {
        const conditions: Obj[] = onlyWebhook(pick())['matchConditions'];
        const expressions = conditions.map((condition) => condition['expression'] as string);
        assert.ok(expressions.includes("!('system:nodes' in request.userInfo.groups)"));
        // All conditions must hold for the webhook to be called: evaluate them as the API server would.
        const called = (groups: string[]) => expressions.every((expression) => run(expression, { request: celRequest(groups) }) === true);
        assert.equal(called(['system:nodes', 'system:authenticated']), false, 'a kubelet is not sent');
        assert.equal(called(['system:authenticated']), true, 'a user is sent');
        assert.equal(called(['system:serviceaccounts', 'system:authenticated']), true, 'a controller is sent');
      });

      test(`${label}: sideEffects None, so kubectl --dry-run=server works`, () => {
        assert.equal(onlyWebhook(pick())['sideEffects'], 'None');
        assert.deepEqual(onlyWebhook(pick())['admissionReviewVersions'], ['v1']);
      });
    }

    test('validating: fails closed with a 5 s timeout', () => {
      const webhook = onlyWebhook(validating);
      assert.equal(validating['metadata']['name'], 'ztgate');
      assert.equal(webhook['name'], 'validate.ztgate.io');
      assert.equal(webhook['failurePolicy'], 'Fail');
      assert.equal(webhook['timeoutSeconds'], 5);
      assert.deepEqual(webhook['clientConfig']['service'], { name: 'ztgate', namespace: NAMESPACE, path: '/validate', port: 443 });
    });

    test('mutating: fails open with a 3 s timeout, reinvoked if needed, Istio-style opt-out', () => {
      const webhook = onlyWebhook(mutating);
      assert.equal(mutating['metadata']['name'], 'ztgate');
      assert.equal(webhook['name'], 'mutate.ztgate.io');
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
      assert.ok(config.deadlines.validateMs < onlyWebhook(validating)['timeoutSeconds'] * 1000);
      assert.ok(config.deadlines.mutateMs < onlyWebhook(mutating)['timeoutSeconds'] * 1000);
      assert.deepEqual([...SYSTEM_NAMESPACES], DEFAULT_SYSTEM_NAMESPACES, 'manifests and config agree on the system namespaces');
    });
  });

  describe('what is reviewed', () => {
    for (const [group, resource, operations] of VALIDATED) {
      test(`validating covers ${group || 'core'}/${resource} on ${operations.join('/')}`, () => {
        const rules: Obj[] = onlyWebhook(validating)['rules'];
        for (const operation of operations) assert.ok(rules.some((rule) => covers(rule, group, resource, operation)), operation);
      });
    }

    test('mutating sees Pod creation only', () => {
      const rules: Obj[] = onlyWebhook(mutating)['rules'];
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
    let scratch: string;
    before(() => {
      scratch = mkdtempSync(join(tmpdir(), 'ztgate-manifests-'));
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

    test('--ca-file and --url point both webhooks at a URL with that CA (the e2e setup)', async () => {
      const caFile = join(scratch, 'ca.crt');
      const { caPem } = generateCertificates(['127.0.0.1']);
      writeFileSync(caFile, caPem);
      const result = await runCommand(manifestsCommand, ['--ca-file', caFile, '--url', 'https://127.0.0.1:9443/']);
      assert.equal(result.code, 0);
      const printed = parseDocs(result.stdout);
      for (const [kind, path] of [
        ['ValidatingWebhookConfiguration', '/validate'],
        ['MutatingWebhookConfiguration', '/mutate'],
      ]) {
        const clientConfig = onlyWebhook(one(printed, kind!))['clientConfig'];
        assert.deepEqual(Object.keys(clientConfig).sort(), ['caBundle', 'url']);
        assert.equal(clientConfig['url'], `https://127.0.0.1:9443${path}`);
        assert.equal(Buffer.from(clientConfig['caBundle'], 'base64').toString('utf8'), caPem);
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
      const selector = onlyWebhook(one(printed, 'ValidatingWebhookConfiguration'))['namespaceSelector']['matchExpressions'][0];
      assert.ok(selector['values'].includes('gatekeeping'));
      assert.equal(onlyWebhook(one(printed, 'MutatingWebhookConfiguration'))['clientConfig']['service']['namespace'], 'gatekeeping');
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
    ];
    for (const [what, args, message] of bad) {
      test(`refuses ${what}`, async () => {
        await assert.rejects(runCommand(manifestsCommand, args, REPO), (error: Error) => error.name === 'UsageError' && message.test(error.message));
      });
    }
  });
});
