import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../log/logger.js';
import { asObject, asString, isJsonObject, type JsonObject } from '../util/json.js';

export interface InformerTiming {
  /** Readiness turns false once the API server has not been heard from for this long. */
  staleAfterMs: number;
  /** First wait before reconnecting after a failure; it doubles up to maxRetryMs. */
  retryMs: number;
  maxRetryMs: number;
  /** Silence tolerated on a list, or on a watch beyond its own server-side timeout, before the connection is dropped. */
  silenceMs: number;
}

export const DEFAULT_INFORMER_TIMING: Readonly<InformerTiming> = Object.freeze({
  staleAfterMs: 60_000,
  retryMs: 1000,
  maxRetryMs: 10_000,
  silenceMs: 15_000,
});

const PAGE = 500;

/** A 410 Gone: the resourceVersion is too old to watch from, so the next round lists again. */
class Gone extends Error {}

const ABSENT = Symbol('the resource type is not installed');

/** What a cache lists and watches, and how its messages name the objects. */
export interface ListWatchTarget {
  /** The collection's URL path: `/api/v1/namespaces`, `/apis/ztgate.io/v1alpha1/zerotrustrules`. */
  path: string;
  /** How messages name one object and several: `namespace`/`namespaces`, `ZeroTrustRule`/`ZeroTrustRules`. */
  singular: string;
  plural: string;
  /**
   * A 404 on the list means the resource type is not installed (its CRD is missing): then no object
   * of it can exist, so the cache holds none, counts as synced, and lists again after maxRetryMs.
   */
  absentIsEmpty?: boolean;
}

/**
 * A cluster-scoped collection from a list and watch of the API server, kept as the wire JSON (what
 * kubectl shows).
 *
 * Why not client-node's informer: its Watch overwrites its own timeout signal and hands back no handle
 * until the response arrives, so a silent network partition leaves a watch (or the reconnect attempt)
 * hanging forever while readiness stays green over stale facts. Here every request has a silence limit,
 * every watch a server-side timeout well inside the staleness bound, and readiness reports staleness.
 *
 * While the API server is unreachable the last-known objects stay in force (a review never waits on
 * the network); the loop reconnects with backoff and resumes from the last resourceVersion, listing
 * again only when the API server says that version is gone.
 */
export class ListWatchCache {
  private byName = new Map<string, JsonObject>();
  private resourceVersion = '';
  private synced = false;
  private absent = false;
  private changes = 0;
  private lastContact: number | undefined;
  private lastError: string | undefined;
  private failing = false;
  private stopped = false;
  private current: ClientRequest | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private firstSync: Promise<void>;
  private resolveFirstSync: () => void = () => {};
  private readonly timing: InformerTiming;
  private readonly now: () => number;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly logger: Logger,
    private readonly target: ListWatchTarget,
    options: Partial<InformerTiming> & { now?: () => number } = {},
  ) {
    const { now, ...timing } = options;
    this.timing = { ...DEFAULT_INFORMER_TIMING, ...timing };
    this.now = now ?? (() => Date.now());
    this.firstSync = new Promise((resolve) => (this.resolveFirstSync = resolve));
  }

  /** Starts the list-and-watch loop; resolves after the first complete list (or on stop). Never rejects. */
  start(): Promise<void> {
    this.loop ??= this.run();
    return this.firstSync;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.destroy();
    this.wake?.();
    this.resolveFirstSync();
    await this.loop;
  }

  get(name: string): JsonObject | undefined {
    return this.byName.get(name);
  }

  values(): IterableIterator<JsonObject> {
    return this.byName.values();
  }

  /** Grows with every change to the cached objects, so a consumer can cache what it derives from them. */
  get revision(): number {
    return this.changes;
  }

  ready(): boolean {
    return this.synced && !this.stale();
  }

  describe(): string {
    const error = this.failing && this.lastError ? `; last error: ${this.lastError}` : '';
    const { plural } = this.target;
    if (!this.synced) return `waiting for the first list of ${plural}${error}`;
    const ago = Math.round((this.now() - (this.lastContact ?? 0)) / 1000);
    const cached = this.absent
      ? `no ${plural}: the resource is not installed (listing again every ${Math.round(this.timing.maxRetryMs / 1000)}s)`
      : `${this.byName.size} ${plural} cached`;
    const state = `${cached}; API server last heard from ${ago}s ago`;
    if (!this.stale()) return `${state}${error}`;
    return `${state}, stale beyond ${Math.round(this.timing.staleAfterMs / 1000)}s: last-known ${plural} stay in force until the watch reconnects${error}`;
  }

  private stale(): boolean {
    return this.lastContact === undefined || this.now() - this.lastContact > this.timing.staleAfterMs;
  }

  private contact(): void {
    this.lastContact = this.now();
    if (this.failing) {
      this.failing = false;
      this.logger.info({ resource: this.target.path, cached: this.byName.size }, `${this.target.singular} watch reconnected`);
    }
  }

  private async run(): Promise<void> {
    let delay = this.timing.retryMs;
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.list();
        if (this.absent) {
          await this.sleep(this.timing.maxRetryMs);
          continue;
        }
        await this.watch();
        delay = this.timing.retryMs;
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof Gone) {
          this.resourceVersion = '';
          continue;
        }
        this.lastError = error instanceof Error ? error.message : String(error);
        if (!this.failing) {
          this.failing = true;
          const { singular, plural } = this.target;
          this.logger.warn({ resource: this.target.path, error: this.lastError }, `${singular} watch lost; keeping the last-known ${plural} and reconnecting`);
        }
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.timing.maxRetryMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async list(): Promise<void> {
    const next = new Map<string, JsonObject>();
    let continueToken = '';
    let version = '';
    do {
      const query = new URLSearchParams({ limit: String(PAGE) });
      if (continueToken) query.set('continue', continueToken);
      const response = await this.fetch(`${this.target.path}?${query}`, this.timing.silenceMs, this.target.absentIsEmpty === true);
      if (response === ABSENT) {
        this.replace(new Map(), '', true);
        return;
      }
      const body = await readJson(response);
      const metadata = asObject(body['metadata']);
      for (const item of Array.isArray(body['items']) ? body['items'] : []) {
        const name = nameOf(item);
        if (name && isJsonObject(item)) next.set(name, item);
      }
      continueToken = asString(metadata?.['continue']) ?? '';
      version = asString(metadata?.['resourceVersion']) ?? '';
    } while (continueToken && !this.stopped);
    // Replaced only once the whole list arrived: a failed relist keeps the last-known objects.
    this.replace(next, version, false);
  }

  private replace(objects: Map<string, JsonObject>, version: string, absent: boolean): void {
    // An absent resource is listed again every few seconds; nothing changed while it stays absent.
    if (!(absent && this.absent && this.byName.size === 0)) this.changes += 1;
    this.byName = objects;
    this.resourceVersion = version;
    this.absent = absent;
    this.synced = true;
    this.contact();
    this.resolveFirstSync();
  }

  /** One watch, until the API server ends it (its timeout) or the connection fails or falls silent. */
  private async watch(): Promise<void> {
    // The server ends each watch well inside the staleness bound, so a healthy watch renews contact in time.
    const timeoutSeconds = Math.max(1, Math.floor(this.timing.staleAfterMs / 3000));
    const query = new URLSearchParams({
      watch: 'true',
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(timeoutSeconds),
    });
    const response = await this.fetch(`${this.target.path}?${query}`, timeoutSeconds * 1000 + this.timing.silenceMs, this.target.absentIsEmpty === true);
    // The resource type went away (its CRD was deleted, and its objects with it): the list says so.
    if (response === ABSENT) throw new Gone();
    this.contact();
    const lines = createInterface({ input: response, crlfDelay: Infinity });
    let finish: (error?: Error) => void = () => {};
    const ended = new Promise<void>((resolve, reject) => {
      finish = (error) => (error ? reject(error) : resolve());
    });
    response.on('error', finish);
    response.on('aborted', () => finish(new Error('the API server closed the watch mid-stream')));
    lines.on('error', finish);
    lines.on('close', () => finish(response.complete ? undefined : new Error('the watch connection closed before the API server ended it')));
    lines.on('line', (line) => {
      if (line.trim() !== '' && this.apply(line)) {
        finish(new Gone());
        response.destroy();
      }
    });
    try {
      await ended;
    } finally {
      lines.close();
    }
  }

  /** Applies one watch event; true when the API server says the resourceVersion is gone. */
  private apply(line: string): boolean {
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      return false;
    }
    this.contact();
    const type = asString(asObject(event)?.['type']);
    const object = asObject(asObject(event)?.['object']);
    if (!object) return false;
    if (type === 'ERROR') return object['code'] === 410;
    const version = asString(asObject(object['metadata'])?.['resourceVersion']);
    if (version) this.resourceVersion = version;
    const name = nameOf(object);
    if (!name) return false;
    if (type === 'ADDED' || type === 'MODIFIED') {
      this.byName.set(name, object);
      this.changes += 1;
    } else if (type === 'DELETED' && this.byName.delete(name)) {
      this.changes += 1;
    }
    return false;
  }

  /**
   * A GET with the kubeconfig's credentials; rejects on a non-200 answer or `silenceMs` without a byte.
   * With `absentIsEmpty`, a 404 resolves to ABSENT instead.
   */
  private async fetch(path: string, silenceMs: number, absentIsEmpty: boolean): Promise<IncomingMessage | typeof ABSENT> {
    const server = this.kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig names no current cluster');
    const options: RequestOptions = { method: 'GET', headers: { accept: 'application/json' } };
    // Credentials are applied per request, so rotated tokens and certificates are picked up.
    await this.kubeConfig.applyToHTTPSOptions(options);
    if (this.stopped) throw new Error('stopped');
    const url = new URL(path, server);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const request = send(url, options, (response) => {
        if (response.statusCode === 200) return resolve(response);
        if (response.statusCode === 404 && absentIsEmpty) {
          response.resume();
          return resolve(ABSENT);
        }
        readText(response).then(
          (text) => reject(response.statusCode === 410 ? new Gone() : new Error(`HTTP ${response.statusCode} from ${url.pathname}: ${statusMessage(text)}`)),
          reject,
        );
      });
      this.current = request;
      request.setTimeout(silenceMs, () => request.destroy(new Error(`no data from the API server for ${Math.round(silenceMs / 1000)}s`)));
      request.on('error', reject);
      request.end();
    });
  }
}

function nameOf(object: unknown): string | undefined {
  return asString(asObject(asObject(object)?.['metadata'])?.['name']);
}

async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(response: IncomingMessage): Promise<JsonObject> {
  const text = await readText(response);
  const value: unknown = JSON.parse(text);
  if (!isJsonObject(value)) throw new Error('the API server answered the list with something other than an object');
  return value;
}

function statusMessage(text: string): string {
  try {
    const message = asString(asObject(JSON.parse(text))?.['message']);
    if (message) return message;
  } catch {
    // Not a Status object: show the start of the body instead.
  }
  return text.slice(0, 200);
}
