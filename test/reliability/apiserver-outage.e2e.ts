/**
 * The Kubernetes API disappearing while ztgate runs, against a real kube-apiserver and etcd:
 *
 *   node --import tsx --test test/reliability/apiserver-outage.e2e.ts
 *
 * ztgate reaches the API server through a TCP proxy the test controls, so the API server can vanish for
 * ztgate alone (connections closed and the port refused, or a silent partition) while the test keeps
 * changing namespaces behind its back through the API server's own port. ztgate must keep answering with
 * the last-known namespace facts, report staleness in /readyz once the bound passes, reconnect and catch
 * up. The cluster's ZeroTrustRules are watched the same way; here their CRD is missing at first, then
 * installed and deleted, which a real API server answers with 404s the rule source must read as "no rules".
 * Named *.e2e.ts, like the other suites that start a control plane, so `npm test` does not start one.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { buildApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/parse.js';
import { Metrics } from '../../src/http/metrics.js';
import { InformerNamespaceSource } from '../../src/kube/namespace-informer.js';
import { ClusterRuleSource } from '../../src/kube/rule-informer.js';
import { createLogger } from '../../src/log/logger.js';
import { startCluster, type Cluster } from '../e2e/control-plane/cluster.js';
import { LogCapture } from '../support/app.js';
import { pod, reviewOf } from '../support/reviews.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { waitUntil } from './support/wait.js';

/** Short bounds so the outage plays out in seconds (production: stale after 60 s). */
const TIMING = { staleAfterMs: 4000, retryMs: 200, maxRetryMs: 1000, silenceMs: 2000 };
const WATCHDOG_MS = 60_000;
/** Only namespaces labelled zt=on are protected, so a label decides the answer. */
const CONFIG = parseConfig({ protection: { namespaceSelector: { matchLabels: { zt: 'on' } } } }, 'outage test');

let cluster: Cluster;
let proxy: TcpProxy;
let source: InformerNamespaceSource;
let kubeConfig: KubeConfig;
const REPO = new URL('../../', import.meta.url).pathname;
let app: ReturnType<typeof buildApp>['app'];
const logs = new LogCapture();

before(async () => {
  cluster = await startCluster({ showBuildLog: true });
  const target = new URL(cluster.apiserverUrl);
  proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port) });
  const kubeconfig = JSON.parse(readFileSync(cluster.kubeconfigAdmin, 'utf8')) as { clusters: { cluster: { server: string } }[] };
  kubeconfig.clusters[0]!.cluster.server = proxy.url;
  const proxied = join(cluster.dir, 'kubeconfig-through-proxy.json');
  writeFileSync(proxied, JSON.stringify(kubeconfig));
  await label('alpha', 'on');
  await label('beta', 'off');
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(proxied);
  const logger = createLogger({ destination: logs });
  source = new InformerNamespaceSource(kubeConfig, logger, TIMING);
  ({ app } = buildApp({ config: () => CONFIG, namespaces: source, logger, metrics: new Metrics({ defaultMetrics: false }) }));
  await source.start();
}, { timeout: 60 * 60 * 1000 });

after(async () => {
  await app?.close();
  await source?.stop();
  await proxy?.close();
  await cluster?.stop();
});

/** Creates or relabels a namespace through the API server's own port (never through the proxy). */
async function label(name: string, zt: 'on' | 'off'): Promise<void> {
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { zt } } };
  const result = await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(namespace) });
  assert.equal(result.code, 0, result.stderr);
}

/** A Pod on the default ServiceAccount: denied exactly where the namespace is protected. */
async function allowedIn(namespace: string): Promise<boolean> {
  const review = reviewOf(pod({ serviceAccountName: 'default' }, { namespace }), { uid: `in-${namespace}` });
  const response = await app.inject({ method: 'POST', url: '/validate', payload: review });
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { response: { allowed: boolean } }).response.allowed;
}

async function readiness(): Promise<{ ready: boolean; namespaces: string }> {
  const response = await app.inject({ method: 'GET', url: '/readyz' });
  const body = response.json() as { ready: boolean; checks: { name: string; detail: string }[] };
  return { ready: response.statusCode === 200, namespaces: body.checks.find((check) => check.name === 'namespaces')!.detail };
}

/** Readiness, remembering what it last said for a watchdog's failure message. */
let lastSeen = '';
async function ready(): Promise<boolean> {
  const result = await readiness();
  lastSeen = JSON.stringify(result);
  return result.ready;
}

describe('namespace facts while the API server comes and goes', () => {
  test('with the API server up, namespace labels decide and ztgate is ready', async () => {
    assert.equal(await allowedIn('alpha'), false);
    assert.equal(await allowedIn('beta'), true);
    assert.equal((await readiness()).ready, true);
  });

  for (const outage of ['refused', 'silent'] as const) {
    const how = outage === 'refused' ? 'gone (connections closed, port refused)' : 'behind a silent partition (connections open, no byte passes)';
    test(`API server ${how}: last-known facts keep deciding, readiness reports staleness, the watch reconnects and catches up`, async () => {
      const [protect, release] = (await allowedIn('alpha')) ? ['beta', 'alpha'] : ['alpha', 'beta'];
      if (outage === 'refused') await proxy.refuse();
      else proxy.blackhole();
      // Behind ztgate's back: the protected namespace is released and the other one protected.
      await label(protect, 'off');
      await label(release, 'on');
      assert.equal(await allowedIn(protect), false, 'the last-known labels still protect it');
      assert.equal(await allowedIn(release), true);

      await waitUntil('readiness to report staleness', async () => !(await ready()), WATCHDOG_MS, () => lastSeen);
      const stale = await readiness();
      assert.match(stale.namespaces, /stale beyond 4s: last-known namespaces stay in force until the watch reconnects/);
      assert.equal(await allowedIn(protect), false, 'still answering, with the last-known facts');
      assert.equal(await allowedIn(release), true);

      await proxy.restore();
      await waitUntil(
        'the informer to reconnect and see the new labels',
        async () => (await ready()) && (await allowedIn(protect)) && !(await allowedIn(release)),
        WATCHDOG_MS,
        () => lastSeen,
      );
      assert.ok(logs.lines.some((line) => line['msg'] === 'namespace watch reconnected'));
    });
  }
});


describe('ZeroTrustRules while their CRD comes and goes', () => {
  const crd = join(REPO, 'deploy', 'crds', 'zerotrustrule.yaml');
  const rule = { apiVersion: 'ztgate.io/v1alpha1', kind: 'ZeroTrustRule', metadata: { name: 'outage-test' }, spec: { match: { kinds: ['Pod'] }, validations: [{ expression: 'true' }] } };

  test('no CRD: ready with no rules; installed: the rule arrives by the watch; CRD deleted: the rules go, still ready', async (t) => {
    const rules = new ClusterRuleSource(kubeConfig, createLogger({ destination: logs }), TIMING);
    t.after(() => rules.stop());
    const names = (): string[] => rules.effective(CONFIG).rules.rules.map((r) => r.name);
    await rules.start();
    assert.equal(rules.ready(), true, rules.describe());
    assert.match(rules.describe(), /^no ZeroTrustRules: the resource is not installed/, 'a real API server answers 404 for a group it does not serve');

    const installed = await cluster.kubectl(['apply', '-f', crd]);
    assert.equal(installed.code, 0, installed.stderr);
    const established = await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/zerotrustrules.ztgate.io']);
    assert.equal(established.code, 0, established.stderr);
    const created = await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(rule) });
    assert.equal(created.code, 0, created.stderr);
    await waitUntil('the rule to arrive', async () => names().includes('outage-test'), WATCHDOG_MS, () => rules.describe());
    assert.match(rules.describe(), /^1 ZeroTrustRules cached/);

    const deleted = await cluster.kubectl(['delete', '-f', crd, '--wait=true']);
    assert.equal(deleted.code, 0, deleted.stderr);
    await waitUntil('the rules to go with their CRD', async () => !names().includes('outage-test') && /not installed/.test(rules.describe()), WATCHDOG_MS, () => rules.describe());
    assert.equal(rules.ready(), true, rules.describe());
  });
});
