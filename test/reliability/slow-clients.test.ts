/**
 * Slow and broken clients against a real listening server, wired as `serve` wires it (buildApp, TLS
 * options, withServerTimeouts). Each abuse runs beside a legitimate review, which must still be answered.
 * The limits passed to waitUntil/withinWatchdog are watchdogs against a hang, never speed targets.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent } from 'node:https';
import { connect as tcpConnect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import {
  API_SERVER_IDLE_CONNECTION_MS,
  checkServerTimeouts,
  SERVER_TIMEOUTS,
  WEBHOOK_MAX_TIMEOUT_MS,
  type ServerTimeouts,
} from '../../src/http/server-timeouts.js';
import { pod, reviewOf } from '../support/reviews.js';
import { call } from './support/client.js';
import { sClient } from './support/openssl.js';
import { makePki } from './support/pki.js';
import { startTlsApp, type TlsApp } from './support/tls-app.js';
import { withinWatchdog } from './support/wait.js';

const pki = makePki('slow');
const REVIEW = JSON.stringify(reviewOf(pod({ serviceAccountName: 'web' }), { uid: 'legit' }));
/** Slack on top of a limit for the sweep interval, scheduling and a loaded CI machine. */
const SLACK_MS = 8000;

let app: TlsApp;
const servedNames: (string | false)[] = [];
before(async () => {
  app = await startTlsApp(pki);
  app.server.on('secureConnection', (socket: TLSSocket) => servedNames.push((socket as TLSSocket & { servername: string | false }).servername));
});
after(async () => {
  await app.close();
  pki.remove();
});

/** A legitimate review on its own connection: the abuse next to it must not starve it. */
async function legitimateReviewIsServed(): Promise<void> {
  const answer = await call(app.port, '/validate', REVIEW, { ca: pki.caPem });
  assert.equal(answer.status, 200);
  assert.equal(JSON.parse(answer.body).response.uid, 'legit');
}

interface Closed {
  /** Everything the server sent before closing. */
  received: string;
  elapsedMs: number;
}

/** Resolves when the server closes `socket`; collects what it sent. */
function closedByServer(socket: Socket): Promise<Closed> {
  const started = Date.now();
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  return once(socket, 'close').then(() => ({ received, elapsedMs: Date.now() - started }));
}

function openTls(port = app.port): Promise<TLSSocket> {
  const socket = tlsConnect({ host: '127.0.0.1', port, ca: pki.caPem });
  return once(socket, 'secureConnect').then(() => socket);
}

/** Writes `chunks` one per `everyMs` until the socket closes. */
function trickle(socket: Socket, chunks: string[], everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= chunks.length) return clearInterval(timer);
    socket.write(chunks[i++]!);
  }, everyMs);
  socket.on('close', () => clearInterval(timer));
}

describe('server timeouts', () => {
  test('the production values keep their relations to the API server and the webhook limits', () => {
    assert.ok(SERVER_TIMEOUTS.keepAliveMs > API_SERVER_IDLE_CONNECTION_MS, 'the API server closes idle connections first, so it never reuses one we are closing');
    assert.ok(SERVER_TIMEOUTS.requestMs <= WEBHOOK_MAX_TIMEOUT_MS, 'no request is held longer than the API server could wait for it');
    assert.ok(SERVER_TIMEOUTS.headersMs <= SERVER_TIMEOUTS.requestMs);
    assert.ok(SERVER_TIMEOUTS.handshakeMs <= 10_000, 'no longer than the API server itself waits for a handshake');
    assert.ok(SERVER_TIMEOUTS.checkIntervalMs <= 1000, 'limits are enforced within a second, not node’s default 30 s');
    checkServerTimeouts(SERVER_TIMEOUTS);
  });

  const bad: [string, Partial<ServerTimeouts>, RegExp][] = [
    ['headers beyond the request limit', { headersMs: 40_000 }, /headersMs \(40000\) must not exceed requestMs \(30000\)/],
    ['a sweep slower than the header limit', { checkIntervalMs: 20_000 }, /checkIntervalMs \(20000\) must not exceed headersMs/],
    ['zero', { keepAliveMs: 0 }, /keepAliveMs must be a positive whole number of milliseconds, got 0/],
    ['a fraction', { idleMs: 1.5 }, /idleMs must be a positive whole number/],
  ];
  for (const [what, change, message] of bad) {
    test(`a timeout set with ${what} is refused`, () => {
      assert.throws(() => checkServerTimeouts({ ...SERVER_TIMEOUTS, ...change }), message);
    });
  }

  test('the listening server carries them, and a kept-alive connection serves review after review', async () => {
    const server = app.server as unknown as { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; timeout: number };
    assert.equal(server.headersTimeout, SERVER_TIMEOUTS.headersMs);
    assert.equal(server.requestTimeout, SERVER_TIMEOUTS.requestMs);
    assert.equal(server.keepAliveTimeout, SERVER_TIMEOUTS.keepAliveMs);
    assert.equal(server.timeout, SERVER_TIMEOUTS.idleMs);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await call(app.port, '/validate', REVIEW, { ca: pki.caPem, agent });
      assert.equal(first.headers['keep-alive'], `timeout=${SERVER_TIMEOUTS.keepAliveMs / 1000}`);
      for (let i = 0; i < 5; i++) assert.equal((await call(app.port, '/mutate', REVIEW, { ca: pki.caPem, agent })).status, 200);
      const sockets = Object.values(agent.freeSockets).flat();
      assert.equal(sockets.length, 1, 'one connection carried every review');
    } finally {
      agent.destroy();
    }
  });
});

describe('slow and broken clients at the production limits', { concurrency: true }, () => {
  test('slowloris: 20 connections trickling header lines are each answered 408 and closed once the header limit passes', async () => {
    const sockets = await Promise.all(Array.from({ length: 20 }, openTls));
    const closed = sockets.map((socket, i) => {
      const done = closedByServer(socket);
      socket.write(`POST /validate HTTP/1.1\r\nhost: 127.0.0.1\r\n`);
      trickle(socket, Array.from({ length: 1000 }, (_, n) => `x-slow-${i}-${n}: 1\r\n`), 1000);
      return done;
    });
    await legitimateReviewIsServed();
    const results = await withinWatchdog('slowloris connections closing', SERVER_TIMEOUTS.headersMs + SLACK_MS, Promise.all(closed));
    for (const result of results) assert.match(result.received, /^HTTP\/1\.1 408 /, 'the server says why');
    await legitimateReviewIsServed();
  });

  test('TLS handshakes that never finish (silent, or a ClientHello trickled) are dropped after the handshake limit', async () => {
    const silent = tcpConnect(app.port, '127.0.0.1');
    const trickled = tcpConnect(app.port, '127.0.0.1');
    const closed = [closedByServer(silent), closedByServer(trickled)];
    // A TLS record header announcing a 512-byte ClientHello, then a byte a second: each byte is progress,
    // so only a deadline from the first byte (not an idle timer) can end it.
    const hello = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, ...Array<number>(64).fill(0x2a)];
    trickle(trickled, hello.map((byte) => String.fromCharCode(byte)), 1000);
    trickled.setEncoding('latin1');
    await legitimateReviewIsServed();
    const results = await withinWatchdog('stalled handshakes being dropped', SERVER_TIMEOUTS.handshakeMs + SLACK_MS, Promise.all(closed));
    for (const result of results) assert.doesNotMatch(result.received, /HTTP/);
  });

  test('a client that sends no SNI is served, with a certificate that verifies', async () => {
    const before = servedNames.length;
    const probe = await sClient(app.port, ['-noservername', '-CAfile', pki.caFile, '-verify_return_error']);
    assert.ok(probe.ok, probe.output);
    assert.match(probe.output, /Verify return code: 0 \(ok\)/);
    await legitimateReviewIsServed();
    assert.ok(servedNames.length >= before + 2);
    assert.ok(servedNames.slice(before).every((name) => name === false), `no SNI reached the server: ${JSON.stringify(servedNames.slice(before))}`);
  });

  describe('protocol versions (openssl s_client; SECLEVEL=0 so the client really offers the old versions)', () => {
    const OFFER_OLD = ['-cipher', 'DEFAULT:@SECLEVEL=0'];
    let control: { port: number; close: () => Promise<void> };
    before(async () => {
      // The control proves the probe: a server that does accept TLS 1.0 and 1.1 completes these handshakes.
      const server = createTlsServer({ cert: pki.certPem, key: pki.keyPem, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }, (socket) => socket.end());
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      control = { port: (server.address() as { port: number }).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
    });
    after(() => control.close());

    for (const [flag, version] of [['-tls1', 'TLSv1'], ['-tls1_1', 'TLSv1.1']] as const) {
      test(`${version} is refused by the server's protocol_version alert, while the same offer succeeds against a server that allows it`, async () => {
        const accepted = await sClient(control.port, [flag, ...OFFER_OLD, '-CAfile', pki.caFile]);
        assert.ok(accepted.ok, `the control server must complete a ${version} handshake, or this test proves nothing:\n${accepted.output}`);
        assert.equal(accepted.protocol, version);
        const refused = await sClient(app.port, [flag, ...OFFER_OLD, '-CAfile', pki.caFile]);
        assert.equal(refused.ok, false, refused.output);
        assert.match(refused.output, /alert protocol version/, 'refused by the server, not by the client failing to offer it');
        assert.doesNotMatch(refused.output, /no protocols available/);
      });
    }

    for (const [flag, version] of [['-tls1_2', 'TLSv1.2'], ['-tls1_3', 'TLSv1.3']] as const) {
      test(`${version} is accepted`, async () => {
        const probe = await sClient(app.port, [flag, '-CAfile', pki.caFile, '-verify_return_error']);
        assert.ok(probe.ok, probe.output);
        assert.equal(probe.protocol, version);
      });
    }
  });
});

/**
 * The limits measured in tens of seconds (30 s per request, 120 s keep-alive) run on a scaled-down clock:
 * the mechanism is the same node server with the same options; the production values are asserted above.
 */
describe('request and keep-alive limits, on a scaled-down clock', { concurrency: true }, () => {
  const scaled: ServerTimeouts = { handshakeMs: 2000, headersMs: 2000, requestMs: 4000, idleMs: 1000, keepAliveMs: 3000, checkIntervalMs: 200 };
  let scaledApp: TlsApp;
  before(async () => {
    scaledApp = await startTlsApp(pki, { timeouts: scaled });
  });
  after(() => scaledApp.close());

  test('half a body, then silence: the connection is closed after the idle limit', async () => {
    const socket = await openTls(scaledApp.port);
    const closed = closedByServer(socket);
    socket.write(`POST /validate HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${REVIEW.length}\r\n\r\n`);
    socket.write(REVIEW.slice(0, REVIEW.length >> 1));
    await legitimateReviewIsServed();
    const result = await withinWatchdog('a stalled body being cut', Math.max(scaled.idleMs, scaled.requestMs) + SLACK_MS, closed);
    assert.doesNotMatch(result.received, /"allowed"/, 'half a review is never decided');
  });

  test('a body trickled byte by byte never idles, and is cut by the whole-request limit with a 408', async () => {
    const socket = await openTls(scaledApp.port);
    const closed = closedByServer(socket);
    socket.write(`POST /validate HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${REVIEW.length}\r\n\r\n`);
    trickle(socket, [...REVIEW], 200);
    await legitimateReviewIsServed();
    const result = await withinWatchdog('a trickled body being cut', scaled.requestMs + SLACK_MS, closed);
    assert.match(result.received, /^HTTP\/1\.1 408 /);
  });

  test('an idle kept-alive connection outlives the per-request idle limit, then closes after the keep-alive limit', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answer = await call(scaledApp.port, '/validate', REVIEW, { ca: pki.caPem, agent });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['keep-alive'], 'timeout=3');
      const socket = Object.values(agent.freeSockets).flat()[0]!;
      const closed = closedByServer(socket);
      await new Promise((resolve) => setTimeout(resolve, scaled.idleMs * 2));
      assert.equal(socket.destroyed, false, 'the request idle limit does not cut a kept-alive connection');
      assert.equal((await call(scaledApp.port, '/validate', REVIEW, { ca: pki.caPem, agent })).status, 200, 'and the API server can reuse it');
      await withinWatchdog('the idle kept-alive connection closing', scaled.keepAliveMs + SLACK_MS, closed);
    } finally {
      agent.destroy();
    }
  });
});
