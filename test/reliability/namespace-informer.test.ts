import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { InformerNamespaceSource } from '../../src/kube/namespace-informer.js';
import { createLogger } from '../../src/log/logger.js';
import { LogCapture } from '../support/app.js';
import { fakeApiBehindProxy, INFORMER_TIMING, WATCHDOG_MS } from './support/informer.js';
import { waitUntil, withinWatchdog } from './support/wait.js';

const TIMING = INFORMER_TIMING;

async function setup() {
  const { api, proxy, kubeConfig, close } = await fakeApiBehindProxy();
  const logs = new LogCapture();
  const source = new InformerNamespaceSource(kubeConfig, createLogger({ destination: logs }), TIMING);
  after(async () => {
    await source.stop();
    await close();
  });
  const labelOf = (name: string): string | undefined => {
    const labels = (source.get(name)?.['metadata'] as { labels?: Record<string, string> } | undefined)?.labels;
    return labels?.['zt'];
  };
  return { api, proxy, logs, source, labelOf };
}

describe('namespace informer under API server faults', () => {
  test('lists, then follows the watch; ready once the first list is in', async () => {
    const { api, source, labelOf } = await setup();
    api.set('alpha', { zt: 'on' });
    assert.equal(source.ready(), false);
    assert.match(source.describe(), /waiting for the first list/);
    await withinWatchdog('first sync', WATCHDOG_MS, source.start());
    assert.equal(source.ready(), true);
    assert.equal(labelOf('alpha'), 'on');
    api.set('beta', { zt: 'off' });
    api.set('alpha', { zt: 'changed' });
    await waitUntil('the watch delivers both changes', () => labelOf('beta') === 'off' && labelOf('alpha') === 'changed', WATCHDOG_MS);
    api.delete('beta');
    await waitUntil('the watch delivers the deletion', () => source.get('beta') === undefined, WATCHDOG_MS);
    assert.match(source.describe(), /^1 namespaces cached; API server last heard from \d+s ago$/);
  });

  test('a healthy but quiet watch never goes stale: the server ends each watch inside the bound and it is renewed', async () => {
    const { api, source } = await setup();
    api.set('alpha', { zt: 'on' });
    await withinWatchdog('first sync', WATCHDOG_MS, source.start());
    const watchesBefore = api.watchCount();
    const quietUntil = Date.now() + TIMING.staleAfterMs * 3;
    while (Date.now() < quietUntil) {
      assert.equal(source.ready(), true, `went unready while the API server was up: ${source.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(api.watchCount() > watchesBefore, 'watches were renewed');
    assert.equal(api.listCount(), 1, 'renewing a watch does not list again');
  });

  test('API server refused: last-known facts stay, readiness turns stale past the bound, the watch resumes after', async () => {
    const { api, proxy, logs, source, labelOf } = await setup();
    api.set('alpha', { zt: 'on' });
    await withinWatchdog('first sync', WATCHDOG_MS, source.start());
    await proxy.refuse();
    api.set('alpha', { zt: 'off' });
    api.set('gamma', { zt: 'on' });
    await waitUntil('readiness reports staleness', () => !source.ready(), WATCHDOG_MS, () => source.describe());
    assert.match(source.describe(), /stale beyond 2s: last-known namespaces stay in force until the watch reconnects; last error: .*ECONNREFUSED/);
    assert.equal(labelOf('alpha'), 'on', 'the last-known labels stay in force');
    assert.equal(source.get('gamma'), undefined, 'nothing is invented while blind');
    assert.ok(logs.lines.some((line) => line['msg'] === 'namespace watch lost; keeping the last-known namespaces and reconnecting'));

    const lists = api.listCount();
    await proxy.restore();
    await waitUntil('the informer reconnects and catches up', () => source.ready() && labelOf('alpha') === 'off' && labelOf('gamma') === 'on', WATCHDOG_MS, () => source.describe());
    assert.equal(api.listCount(), lists, 'resumed from its resourceVersion, without listing again');
    assert.ok(logs.lines.some((line) => line['msg'] === 'namespace watch reconnected'));
  });

  test('silent partition: a watch that carries nothing is dropped, readiness turns stale, and it reconnects after', async () => {
    const { api, proxy, source, labelOf } = await setup();
    api.set('alpha', { zt: 'on' });
    await withinWatchdog('first sync', WATCHDOG_MS, source.start());
    proxy.blackhole();
    api.set('alpha', { zt: 'off' });
    await waitUntil('readiness reports staleness', () => !source.ready(), WATCHDOG_MS, () => source.describe());
    await waitUntil('the silent connection is given up', () => /no data from the API server/.test(source.describe()), WATCHDOG_MS, () => source.describe());
    assert.equal(labelOf('alpha'), 'on', 'the last-known labels stay in force');
    await proxy.restore();
    await waitUntil('the informer reconnects and catches up', () => source.ready() && labelOf('alpha') === 'off', WATCHDOG_MS, () => source.describe());
  });

  test('history compacted during the outage: the watch gets 410 Gone and the informer lists again, dropping deleted namespaces', async () => {
    const { api, proxy, source, labelOf } = await setup();
    api.set('alpha', { zt: 'on' });
    api.set('beta', { zt: 'on' });
    await withinWatchdog('first sync', WATCHDOG_MS, source.start());
    await proxy.refuse();
    api.delete('beta');
    api.set('alpha', { zt: 'off' });
    api.compact();
    const lists = api.listCount();
    await proxy.restore();
    await waitUntil('a relist replaces the cache', () => api.listCount() > lists && source.get('beta') === undefined && labelOf('alpha') === 'off', WATCHDOG_MS, () => source.describe());
    assert.equal(source.ready(), true);
  });

  test('a failing relist keeps the last-known namespaces', async () => {
    const { api, proxy, source, labelOf } = await setup();
    api.set('alpha', { zt: 'on' });
    await withinWatchdog('first sync', WATCHDOG_MS, source.start());
    await proxy.refuse();
    api.set('delta', { zt: 'on' });
    api.compact();
    api.failLists = 500;
    await proxy.restore();
    await waitUntil('the relist fails', () => /HTTP 500 from \/api\/v1\/namespaces: etcd is sulking/.test(source.describe()), WATCHDOG_MS, () => source.describe());
    assert.equal(labelOf('alpha'), 'on');
    assert.equal(source.get('delta'), undefined);
    api.failLists = undefined;
    await waitUntil('the relist succeeds', () => source.ready() && source.get('delta') !== undefined && !/last error/.test(source.describe()), WATCHDOG_MS, () => source.describe());
  });

  test('no API server at start: not ready, and start() waits for the first list instead of reporting success', async () => {
    const { api, proxy, source } = await setup();
    await proxy.refuse();
    const started = source.start();
    let resolved = false;
    void started.then(() => (resolved = true));
    await waitUntil('a failed attempt', () => /ECONNREFUSED/.test(source.describe()), WATCHDOG_MS, () => source.describe());
    assert.equal(resolved, false);
    assert.equal(source.ready(), false);
    api.set('alpha', { zt: 'on' });
    await proxy.restore();
    await withinWatchdog('first sync after the API server appears', WATCHDOG_MS, started);
    assert.equal(source.ready(), true);
  });

  test('stop() ends the loop even while a request hangs', async () => {
    const { api, proxy, source } = await setup();
    api.set('alpha', { zt: 'on' });
    await withinWatchdog('first sync', WATCHDOG_MS, source.start());
    proxy.blackhole();
    await withinWatchdog('stop during a silent watch', WATCHDOG_MS, source.stop());
  });
});
