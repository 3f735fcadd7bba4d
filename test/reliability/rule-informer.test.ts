import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { defaultConfig } from '../../src/config/parse.js';
import { readiness } from '../../src/http/readiness.js';
import { ClusterRuleSource } from '../../src/kube/rule-informer.js';
import { createLogger } from '../../src/log/logger.js';
import { runReview } from '../../src/review/review.js';
import { StaticNamespaceSource } from '../../src/facts/static.js';
import { LogCapture, namespace } from '../support/app.js';
import { reviewOf } from '../support/reviews.js';
import { fakeApiBehindProxy, INFORMER_TIMING, WATCHDOG_MS } from './support/informer.js';
import { waitUntil, withinWatchdog } from './support/wait.js';

const RULES = { path: '/apis/ztgate.io/v1alpha1/zerotrustrules', apiVersion: 'ztgate.io/v1alpha1', kind: 'ZeroTrustRule' };

/** A rule that denies Pods labelled `forbidden: "yes"`. */
const FORBIDDEN_LABEL = {
  spec: {
    match: { kinds: ['Pod'] },
    validations: [{ expression: "!has(object.metadata.labels) || !('forbidden' in object.metadata.labels)", message: 'forbidden label' }],
  },
};

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'shop', labels: { forbidden: 'yes' } },
  spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: 'registry.example.com/app:1' }] },
};
const namespaces = new StaticNamespaceSource([namespace('shop')]);

async function setup() {
  const { api, proxy, kubeConfig, close } = await fakeApiBehindProxy(RULES);
  const logs = new LogCapture();
  const source = new ClusterRuleSource(kubeConfig, createLogger({ destination: logs }), INFORMER_TIMING);
  after(async () => {
    await source.stop();
    await close();
  });
  const denials = (): string[] => {
    const outcome = runReview('validate', reviewOf(pod), { config: source.effective(defaultConfig()), namespaces, now: new Date() });
    assert.ok(outcome.ok);
    return outcome.violations.filter((v) => v.result === 'denied').map((v) => v.id);
  };
  const readyz = () => readiness({ draining: false, certificatesLoaded: true, config: defaultConfig(), namespaces, clusterRules: source });
  return { api, proxy, logs, source, denials, readyz };
}

describe('ZeroTrustRules from the cluster under API server faults', () => {
  test('not ready until the first list is in; then rules apply as they are added, changed and deleted', async () => {
    const { api, source, denials, readyz } = await setup();
    api.set('no-forbidden-label', {}, FORBIDDEN_LABEL);
    const before = readyz();
    assert.equal(before.ready, false, 'a replica that has not seen the cluster’s rules must not take reviews');
    assert.deepEqual(before.checks.find((c) => c.name === 'cluster rules'), { name: 'cluster rules', ok: false, detail: 'waiting for the first list of ZeroTrustRules' });
    await withinWatchdog('first sync', WATCHDOG_MS, source.start());
    assert.equal(readyz().ready, true, JSON.stringify(readyz().checks));
    assert.deepEqual(denials(), ['rule:no-forbidden-label']);
    api.set('second', {}, FORBIDDEN_LABEL);
    await waitUntil('the watch delivers the new rule', () => denials().length === 2, WATCHDOG_MS, () => denials().join());
    api.delete('no-forbidden-label');
    api.delete('second');
    await waitUntil('the watch delivers both deletions', () => denials().length === 0, WATCHDOG_MS, () => denials().join());
    assert.match(source.describe(), /^0 ZeroTrustRules cached; API server last heard from \d+s ago$/);
  });

  test('compiled once per change, not per review', async () => {
    const { api, source } = await setup();
    api.set('no-forbidden-label', {}, FORBIDDEN_LABEL);
    await withinWatchdog('first sync', WATCHDOG_MS, source.start());
    const config = defaultConfig();
    const first = source.effective(config);
    assert.equal(source.effective(config), first, 'the same config object while nothing changed');
    api.set('second', {}, FORBIDDEN_LABEL);
    await waitUntil('the change arrives', () => source.effective(config) !== first, WATCHDOG_MS);
  });

  test('API server refused: the last-known rules keep denying, readiness turns stale, and the watch resumes', async () => {
    const { api, proxy, logs, source, denials, readyz } = await setup();
    api.set('no-forbidden-label', {}, FORBIDDEN_LABEL);
    await withinWatchdog('first sync', WATCHDOG_MS, source.start());
    await proxy.refuse();
    await waitUntil('stale', () => !readyz().ready, WATCHDOG_MS, () => source.describe());
    assert.match(source.describe(), /stale beyond 2s: last-known ZeroTrustRules stay in force until the watch reconnects; last error: .*ECONNREFUSED/);
    assert.deepEqual(denials(), ['rule:no-forbidden-label'], 'an outage never drops a rule');
    assert.ok(logs.lines.some((line) => line['msg'] === 'ZeroTrustRule watch lost; keeping the last-known ZeroTrustRules and reconnecting'));
    api.delete('no-forbidden-label');
    await proxy.restore();
    await waitUntil('reconnected and caught up', () => readyz().ready && denials().length === 0, WATCHDOG_MS, () => source.describe());
  });

  test('the CRD is not installed: no rules, ready, and they apply once it is', async () => {
    const { api, source, denials, readyz } = await setup();
    api.uninstall();
    await withinWatchdog('first sync', WATCHDOG_MS, source.start());
    assert.equal(readyz().ready, true, 'without the CRD no ZeroTrustRule can exist');
    assert.match(source.describe(), /^no ZeroTrustRules: the resource is not installed \(listing again every 0s\)/);
    assert.deepEqual(denials(), []);
    api.install();
    api.set('no-forbidden-label', {}, FORBIDDEN_LABEL);
    await waitUntil('the rule arrives after the CRD', () => denials().length === 1, WATCHDOG_MS, () => source.describe());
    api.uninstall();
    await waitUntil('deleting the CRD deletes its rules', () => denials().length === 0 && /not installed/.test(source.describe()), WATCHDOG_MS, () => source.describe());
    assert.equal(readyz().ready, true);
  });

  test('refused by RBAC (403): not ready, and the detail says why', async () => {
    const { api, source, readyz } = await setup();
    api.failLists = 403;
    void source.start();
    await waitUntil('a failed list', () => /HTTP 403/.test(source.describe()), WATCHDOG_MS, () => source.describe());
    const check = readyz().checks.find((c) => c.name === 'cluster rules');
    assert.equal(check?.ok, false);
    assert.match(check?.detail ?? '', /^waiting for the first list of ZeroTrustRules; last error: HTTP 403 from \/apis\/ztgate.io\/v1alpha1\/zerotrustrules/);
  });
});
