import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';

type Namespace = { apiVersion: 'v1'; kind: 'Namespace'; metadata: { name: string; resourceVersion: string; labels: Record<string, string> } };
type Event = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Namespace; version: number };

/**
 * Just enough of the API server's Namespace list and watch for the informer: resourceVersions, watches
 * that resume from a version and end after `timeoutSeconds`, bookmarks, and compaction (a watch from a
 * version older than the compacted one gets the 410 ERROR event a real API server sends).
 */
export class FakeApiServer {
  private readonly server: Server;
  private readonly namespaces = new Map<string, Namespace>();
  private readonly events: Event[] = [];
  private readonly watchers = new Set<ServerResponse>();
  private version = 100;
  private compactedBefore = 0;
  /** Answer lists with this status instead (e.g. 500) while set. */
  failLists: number | undefined;
  readonly requests: string[] = [];
  port = 0;

  constructor() {
    this.server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://fake');
      this.requests.push(`${url.pathname}?${url.searchParams}`);
      if (url.pathname !== '/api/v1/namespaces') return void response.writeHead(404).end();
      if (url.searchParams.get('watch') === 'true') return this.watch(url.searchParams, response);
      if (this.failLists) return void response.writeHead(this.failLists, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', message: 'etcd is sulking' }));
      const items = [...this.namespaces.values()];
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: String(this.version) }, items }));
    });
  }

  static async start(): Promise<FakeApiServer> {
    const fake = new FakeApiServer();
    fake.server.listen(0, '127.0.0.1');
    await once(fake.server, 'listening');
    fake.port = (fake.server.address() as { port: number }).port;
    return fake;
  }

  set(name: string, labels: Record<string, string>): void {
    const type = this.namespaces.has(name) ? 'MODIFIED' : 'ADDED';
    this.version += 1;
    const object: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, resourceVersion: String(this.version), labels } };
    this.namespaces.set(name, object);
    this.publish({ type, object, version: this.version });
  }

  delete(name: string): void {
    const old = this.namespaces.get(name);
    if (!old) return;
    this.namespaces.delete(name);
    this.version += 1;
    this.publish({ type: 'DELETED', object: { ...old, metadata: { ...old.metadata, resourceVersion: String(this.version) } }, version: this.version });
  }

  /** Forgets the history: watches from older versions must list again. */
  compact(): void {
    this.compactedBefore = this.version;
    this.events.length = 0;
  }

  watchCount(): number {
    return this.requests.filter((line) => line.includes('watch=true')).length;
  }

  listCount(): number {
    return this.requests.filter((line) => !line.includes('watch=true')).length;
  }

  private publish(event: Event): void {
    this.events.push(event);
    for (const watcher of this.watchers) watcher.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
  }

  private watch(query: URLSearchParams, response: ServerResponse): void {
    const from = Number(query.get('resourceVersion') ?? '0');
    response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    if (from < this.compactedBefore) {
      response.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: `too old resource version: ${from}` } })}\n`);
      return;
    }
    for (const event of this.events) {
      if (event.version > from) response.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
    }
    this.watchers.add(response);
    const timeout = setTimeout(() => {
      response.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Namespace', apiVersion: 'v1', metadata: { resourceVersion: String(this.version) } } })}\n`);
      response.end();
    }, Number(query.get('timeoutSeconds') ?? '1800') * 1000);
    response.on('close', () => {
      clearTimeout(timeout);
      this.watchers.delete(response);
    });
  }

  async close(): Promise<void> {
    for (const watcher of this.watchers) watcher.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
