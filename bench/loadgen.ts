/**
 * The load generator: a pool of keep-alive HTTPS connections, each with one request in flight (as the
 * API server's webhook client has), driven by messages from bench/run.ts over IPC so that it lives in
 * its own process, pinned to its own core.
 *
 * It speaks HTTP/1.1 over node:tls with the request bytes built once, rather than through node:https:
 * the http client's per-request objects cost about as much CPU as the bare fastify server does, and a
 * load generator that is slower than the server measures itself.
 */
import { connect, type TLSSocket } from 'node:tls';
import { Histogram } from './histogram.js';
import { probeCaches, type CacheReading } from './cache-probe.js';

export interface RunRequest {
  type: 'run';
  id: number;
  port: number;
  path: string;
  body: string;
  /** Bodies sent in turn across all connections instead of `body` (a new object per request). */
  bodies?: string[];
  connections: number;
  durationMs: number;
  /**
   * Keep this process busy (a setImmediate loop) so that it never sleeps waiting for a response. A
   * server's answer to a sleeping client also wakes the client's core, and on a virtual machine that
   * wake-up (an inter-processor interrupt) is charged to the server's CPU: up to ~20 µs per review
   * here. A remote API server is never woken at the webhook's expense. bench/marginal.ts --poll.
   */
  poll?: boolean;
}

export interface ProbeRequest {
  type: 'probe';
  id: number;
  port: number;
  path: string;
  body: string;
}

/** Asks for `probeCaches()` (bench/cache-probe.ts), measured on the load generator's core between runs. */
export interface CacheProbeRequest {
  type: 'cache-probe';
  id: number;
}

export interface CacheProbeResult {
  type: 'cache-probe-result';
  id: number;
  reading: CacheReading;
}

export interface RunResult {
  type: 'result';
  id: number;
  requests: number;
  errors: number;
  errorSamples: string[];
  statuses: Record<string, number>;
  elapsedMs: number;
  histogram: [number, number][];
  sumMicros: number;
  maxMicros: number;
}

export interface ProbeResult {
  type: 'probe-result';
  id: number;
  status: number;
  body: string;
  error?: string;
}

const HOST = '127.0.0.1';
const HEADER_END = Buffer.from('\r\n\r\n');

function requestBytes(port: number, path: string, body: string): Buffer {
  const payload = Buffer.from(body);
  const head =
    `POST ${path} HTTP/1.1\r\nHost: ${HOST}:${port}\r\nContent-Type: application/json\r\nAccept: application/json\r\n` +
    `Content-Length: ${payload.length}\r\nConnection: keep-alive\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

interface Parsed {
  status: number;
  body: Buffer;
  consumed: number;
}

/** Parses one complete response from the front of `buf`, or returns undefined until more bytes arrive. */
export function parseResponse(buf: Buffer): Parsed | undefined {
  const headerEnd = buf.indexOf(HEADER_END);
  if (headerEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headerEnd);
  const status = Number(head.slice(9, 12));
  const start = headerEnd + 4;
  const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  if (length) {
    const end = start + Number(length[1]);
    return buf.length < end ? undefined : { status, body: buf.subarray(start, end), consumed: end };
  }
  if (!/\r\ntransfer-encoding:[ \t]*chunked/i.test(head)) throw new Error(`response without content-length or chunked encoding: ${head.split('\r\n')[0]}`);
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size in response');
    const dataStart = lineEnd + 2;
    if (buf.length < dataStart + size + 2) return undefined;
    if (size === 0) return { status, body: Buffer.concat(parts), consumed: dataStart + 2 };
    parts.push(buf.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}

interface Shared {
  histogram: Histogram;
  statuses: Record<string, number>;
  errors: number;
  errorSamples: string[];
  requests: number;
  deadline: number;
  lastDone: number;
  /** Requests sent so far, which picks the next body when there are several. */
  sent: number;
}

function noteError(shared: Shared, message: string): void {
  shared.errors += 1;
  if (shared.errorSamples.length < 5 && !shared.errorSamples.includes(message)) shared.errorSamples.push(message);
}

function open(port: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // Loopback against dev certificates: the handshake happens once per connection, so verifying it
    // would not change a measured number.
    const socket = connect({ host: HOST, port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    socket.setNoDelay(true);
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** One connection's loop: send, wait for the whole response, record, repeat until the deadline. */
async function drive(port: number, requests: readonly Buffer[], shared: Shared): Promise<void> {
  while (performance.now() < shared.deadline) {
    let socket: TLSSocket;
    try {
      socket = await open(port);
    } catch (error) {
      noteError(shared, `connect: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    await new Promise<void>((resolve) => {
      let pending: Buffer | undefined;
      let sentAt = 0;
      const send = (): void => {
        sentAt = performance.now();
        socket.write(requests[shared.sent++ % requests.length]!);
      };
      const finish = (): void => {
        socket.removeAllListeners('data');
        socket.destroy();
        resolve();
      };
      socket.on('data', (chunk: Buffer) => {
        pending = pending ? Buffer.concat([pending, chunk]) : chunk;
        let parsed: Parsed | undefined;
        try {
          parsed = parseResponse(pending);
        } catch (error) {
          noteError(shared, (error as Error).message);
          finish();
          return;
        }
        if (!parsed) return;
        const now = performance.now();
        pending = parsed.consumed < pending.length ? pending.subarray(parsed.consumed) : undefined;
        shared.histogram.record((now - sentAt) * 1000);
        shared.statuses[parsed.status] = (shared.statuses[parsed.status] ?? 0) + 1;
        shared.requests += 1;
        shared.lastDone = now;
        if (now < shared.deadline) send();
        else finish();
      });
      socket.on('error', (error) => {
        noteError(shared, `socket: ${error.message}`);
        finish();
      });
      socket.on('close', () => {
        if (performance.now() < shared.deadline) noteError(shared, 'server closed the connection');
        finish();
      });
      send();
    });
  }
}

export async function runLoad(message: RunRequest): Promise<RunResult> {
  const requests = (message.bodies ?? [message.body]).map((body) => requestBytes(message.port, message.path, body));
  const start = performance.now();
  const shared: Shared = {
    histogram: new Histogram(),
    statuses: {},
    errors: 0,
    errorSamples: [],
    requests: 0,
    deadline: start + message.durationMs,
    lastDone: start,
    sent: 0,
  };
  let polling = message.poll === true;
  const keepPolling = (): void => {
    if (polling) setImmediate(keepPolling);
  };
  if (polling) setImmediate(keepPolling);
  try {
    await Promise.all(Array.from({ length: message.connections }, () => drive(message.port, requests, shared)));
  } finally {
    polling = false;
  }
  return {
    type: 'result',
    id: message.id,
    requests: shared.requests,
    errors: shared.errors,
    errorSamples: shared.errorSamples,
    statuses: shared.statuses,
    elapsedMs: Math.max(1, shared.lastDone - start),
    histogram: shared.histogram.toSparse(),
    sumMicros: shared.histogram.sum,
    maxMicros: shared.histogram.max,
  };
}

export async function probe(message: ProbeRequest): Promise<ProbeResult> {
  try {
    const socket = await open(message.port);
    return await new Promise<ProbeResult>((resolve) => {
      let pending = Buffer.alloc(0);
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ type: 'probe-result', id: message.id, status: 0, body: '', error: 'no answer within 10 s' });
      }, 10_000);
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        const parsed = parseResponse(pending);
        if (!parsed) return;
        clearTimeout(timer);
        socket.destroy();
        resolve({ type: 'probe-result', id: message.id, status: parsed.status, body: parsed.body.toString('utf8') });
      });
      socket.on('error', (error) => {
        clearTimeout(timer);
        resolve({ type: 'probe-result', id: message.id, status: 0, body: '', error: error.message });
      });
      socket.write(requestBytes(message.port, message.path, message.body));
    });
  } catch (error) {
    return { type: 'probe-result', id: message.id, status: 0, body: '', error: (error as Error).message };
  }
}

// Run as a child of bench/run.ts: serve its requests one at a time until it disconnects.
if (process.send && process.argv[1]?.endsWith('loadgen.ts')) {
  process.on('message', (message: RunRequest | ProbeRequest | CacheProbeRequest) => {
    if (message.type === 'cache-probe') {
      process.send?.({ type: 'cache-probe-result', id: message.id, reading: probeCaches() } satisfies CacheProbeResult);
      return;
    }
    const work = message.type === 'run' ? runLoad(message) : probe(message);
    void work.then((result) => process.send?.(result));
  });
  process.on('disconnect', () => process.exit(0));
}
