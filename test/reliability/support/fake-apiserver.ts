import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';

type StoredObject = { apiVersion: string; kind: string; metadata: { name: string; resourceVersion: string; labels: Record<string, string> }; [field: string]: unknown };
type Event = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: StoredObject; version: number };

/** One cluster-scoped collection; Namespaces unless told otherwise. */
export interface FakeResource {
  path: string;
  apiVersion: string;
  kind: string;
}

const NAMESPACES: FakeResource = { path: '/api/v1/namespaces', apiVersion: 'v1', kind: 'Namespace' };

/**
 * Just enough of the API server's list and watch of one collection for the informers: resourceVersions,
 * watches that resume from a version and end after `timeoutSeconds`, bookmarks, compaction (a watch from a
 * version older than the compacted one gets the 410 ERROR event a real API server sends), and a resource
 * type that is not installed (404, as for a missing CRD).
 */
export class FakeApiServer {
  private readonly server: Server;
  private readonly objects = new Map<string, StoredObject>();
  private readonly events: Event[] = [];
  private readonly watchers = new Set<ServerResponse>();
  private version = 100;
  private compactedBefore = 0;
  /** Answer lists with this status instead (e.g. 500) while set. */
  failLists: number | undefined;
  /** The resource type is not installed: every request for it gets 404, and open watches end. */
  private uninstalled = false;
  readonly requests: string[] = [];
  port = 0;

  constructor(private readonly resource: FakeResource = NAMESPACES) {
    this.server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://fake');
      this.requests.push(`${url.pathname}?${url.searchParams}`);
      if (url.pathname !== resource.path || this.uninstalled) {
        return void response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404, message: 'the server could not find the requested resource' }));
      }
      if (url.searchParams.get('watch') === 'true') return this.watch(url.searchParams, response);
      if (this.failLists) return void response.writeHead(this.failLists, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', message: 'etcd is sulking' }));
      const items = [...this.objects.values()];
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ kind: `${resource.kind}List`, apiVersion: resource.apiVersion, metadata: { resourceVersion: String(this.version) }, items }));
    });
  }

  static async start(resource?: FakeResource): Promise<FakeApiServer> {
    const fake = new FakeApiServer(resource);
    fake.server.listen(0, '127.0.0.1');
    await once(fake.server, 'listening');
    fake.port = (fake.server.address() as { port: number }).port;
    return fake;
  }

  set(name: string, labels: Record<string, string>, fields: Record<string, unknown> = {}): void {
    const type = this.objects.has(name) ? 'MODIFIED' : 'ADDED';
    this.version += 1;
    const { apiVersion, kind } = this.resource;
    const object: StoredObject = { apiVersion, kind, ...fields, metadata: { name, resourceVersion: String(this.version), labels } };
    this.objects.set(name, object);
    this.publish({ type, object, version: this.version });
  }

  delete(name: string): void {
    const old = this.objects.get(name);
    if (!old) return;
    this.objects.delete(name);
    this.version += 1;
    this.publish({ type: 'DELETED', object: { ...old, metadata: { ...old.metadata, resourceVersion: String(this.version) } }, version: this.version });
  }

  /** Deletes the CRD: its objects go with it, and open watches end. */
  uninstall(): void {
    this.uninstalled = true;
    this.objects.clear();
    this.events.length = 0;
    for (const watcher of this.watchers) watcher.end();
  }

  install(): void {
    this.uninstalled = false;
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
      response.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: this.resource.kind, apiVersion: this.resource.apiVersion, metadata: { resourceVersion: String(this.version) } } })}\n`);
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
