/**
 * Just enough Kubernetes API for a Pepr 1.1.4 admission controller to start. Pepr binds /validate and
 * /mutate only after its StoreController has read its PeprStore (pepr-<uuid>-store, and the same for
 * pepr-<uuid>-schedule) and its watch has delivered the first event. The calls it makes, and what
 * this server answers (HTTPS on 127.0.0.1 with ztgate's dev certificate, via a kubeconfig in
 * KUBECONFIG that names the dev CA; the Kubernetes client refuses plain HTTP unless TLS checks are off):
 *
 *   GET   /apis/pepr.dev/v1/namespaces/pepr-system/peprstores/<name>          → 200 the PeprStore
 *   PATCH /apis/pepr.dev/v1/namespaces/pepr-system/peprstores/<name>          → 200 the PeprStore
 *         (a JSON patch adding the label pepr.dev-cacheID; the patch is not applied)
 *   GET   /apis/pepr.dev/v1/namespaces/pepr-system/peprstores?fieldSelector=metadata.name=<name>
 *                                                                             → 200 a list of that store
 *   GET   the same with watch=true                                            → 200, a stream held open
 *         with no events (the list above already delivered the store as ADDED)
 *   anything else                                                             → 404 Status, and recorded
 *
 * Every PeprStore holds only Pepr's placeholder key, as a fresh install has. Every call is recorded so
 * the results show what Pepr asked for.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

const STORE_PATH = /^\/apis\/pepr\.dev\/v1\/namespaces\/pepr-system\/peprstores(?:\/([^/?]+))?$/;

export interface FakeKubeApi {
  url: string;
  calls: string[];
  unexpected: string[];
  close(): Promise<void>;
  /** A kubeconfig for this server, with a bearer token Pepr sends and the server ignores. */
  kubeconfig(): string;
}

function store(name: string): Record<string, unknown> {
  return {
    apiVersion: 'pepr.dev/v1',
    kind: 'PeprStore',
    metadata: {
      name,
      namespace: 'pepr-system',
      uid: `00000000-0000-4000-8000-${Buffer.from(name).toString('hex').slice(0, 12).padEnd(12, '0')}`,
      resourceVersion: '1',
      labels: { 'pepr.dev-cacheID': '1' },
    },
    data: { __pepr_do_not_delete__: 'k-thx-bye' },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export interface ServingCertificate {
  cert: string;
  key: string;
  /** Path of the CA file that signed `cert`, for the kubeconfig. */
  caFile: string;
}

export async function startFakeKubeApi(tls: ServingCertificate): Promise<FakeKubeApi> {
  const calls: string[] = [];
  const unexpected: string[] = [];
  const watches = new Set<ServerResponse>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const call = `${req.method} ${url.pathname}${url.search}`;
    calls.push(call);
    req.resume();
    const match = STORE_PATH.exec(url.pathname);
    if (!match) {
      unexpected.push(call);
      json(res, 404, { apiVersion: 'v1', kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: `fake API: no ${url.pathname}` });
      return;
    }
    const named = match[1];
    if (named && (req.method === 'GET' || req.method === 'PATCH')) {
      json(res, 200, store(decodeURIComponent(named)));
      return;
    }
    const selected = /^metadata\.name=(.+)$/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1];
    if (!named && req.method === 'GET' && url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      watches.add(res);
      res.on('close', () => watches.delete(res));
      return;
    }
    if (!named && req.method === 'GET') {
      json(res, 200, {
        apiVersion: 'pepr.dev/v1',
        kind: 'PeprStoreList',
        metadata: { resourceVersion: '1' },
        items: selected ? [store(selected)] : [],
      });
      return;
    }
    unexpected.push(call);
    json(res, 405, { apiVersion: 'v1', kind: 'Status', status: 'Failure', reason: 'MethodNotAllowed', code: 405, message: `fake API: ${req.method} not served` });
  };

  const server: Server = createServer({ cert: tls.cert, key: tls.key }, handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    unexpected,
    kubeconfig: () => `apiVersion: v1
kind: Config
clusters:
  - name: fake
    cluster:
      server: ${url}
      certificate-authority: ${tls.caFile}
users:
  - name: pepr
    user:
      token: bench-token
contexts:
  - name: fake
    context:
      cluster: fake
      user: pepr
current-context: fake
`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of watches) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
