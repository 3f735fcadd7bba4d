import { KubeConfig } from '@kubernetes/client-node';
import { FakeApiServer, type FakeResource } from './fake-apiserver.js';
import { TcpProxy } from './tcp-proxy.js';

/** Short bounds so each fault plays out in seconds; the production defaults are a minute and more. */
export const INFORMER_TIMING = { staleAfterMs: 1500, retryMs: 100, maxRetryMs: 400, silenceMs: 800 };
export const WATCHDOG_MS = 15_000;

function kubeConfigFor(port: number): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'ztgate' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'ztgate' }],
    currentContext: 'fake',
  });
  return config;
}

/** A fake API server behind a proxy that can refuse or black-hole, and a kubeconfig that goes through it. */
export async function fakeApiBehindProxy(resource?: FakeResource): Promise<{ api: FakeApiServer; proxy: TcpProxy; kubeConfig: KubeConfig; close(): Promise<void> }> {
  const api = await FakeApiServer.start(resource);
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: api.port });
  return {
    api,
    proxy,
    kubeConfig: kubeConfigFor(proxy.port),
    async close() {
      await proxy.close();
      await api.close();
    },
  };
}
