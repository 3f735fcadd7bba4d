/**
 * Faults against `ztgate serve` run as its own process: its config file and its certificate files
 * replaced with garbage while it serves, and SIGTERM in the middle of a load of reviews, with the audit
 * trail counted afterwards. Waits are watchdogs against a hang, not speed targets.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:tls';
import type { GroupVersionKind } from '../../src/admission/types.js';
import { policyKindOf } from '../../src/invariants/net/kinds.js';
import { generateCertificates } from '../../src/tls/dev-certs.js';
import { createCertificateAuthority, issueServingCertificate } from '../../src/tls/pki.js';
import type { JsonObject } from '../../src/util/json.js';
import { pod, reviewOf } from '../support/reviews.js';
import { errorCode } from './support/client.js';
import { REAL_REVIEWS } from './support/corpus.js';
import { makePki, type Pki } from './support/pki.js';
import { ServeProcess } from './support/serve.js';
import { waitUntil } from './support/wait.js';

const WATCHDOG_MS = 30_000;

/** The pod review whose answer shows which config is in force: `shop` excluded from protection or not. */
const PROBE = JSON.stringify(reviewOf(pod({ serviceAccountName: 'default' }), { uid: 'probe' }));
async function probeAllowed(serve: ServeProcess): Promise<boolean> {
  const answer = await serve.post('/validate', PROBE);
  assert.equal(answer.status, 200, answer.body);
  return (JSON.parse(answer.body) as { response: { allowed: boolean } }).response.allowed;
}

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: '/metrics' }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}

/** Write then rename, as the kubelet swaps a mounted ConfigMap or Secret: a reader never sees half a file. */
function replaceFile(path: string, content: string | Buffer): void {
  writeFileSync(`${path}.next`, content);
  renameSync(`${path}.next`, path);
}

/** SHA-256 fingerprint of the certificate a new connection is served. */
function servedFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('a config file replaced with garbage', () => {
  let pki: Pki;
  let serve: ServeProcess;
  let configFile: string;
  const EXCLUDING_SHOP = 'protection:\n  excludeNamespaces: [shop]\n';
  before(async () => {
    pki = makePki('config-garbage');
    configFile = join(pki.dir, 'config.yaml');
    writeFileSync(configFile, EXCLUDING_SHOP);
    serve = await ServeProcess.start(['--config', configFile, '--tls-cert', pki.certFile, '--tls-key', pki.keyFile], pki.caPem);
  });
  after(async () => {
    await serve?.stop();
    pki?.remove();
  });

  const laughs = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
  const GARBAGE: [string, () => void][] = [
    ['binary junk', () => replaceFile(configFile, Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x7b, 0x3a, 0x00, 0x0a]))],
    ['a YAML syntax error', () => replaceFile(configFile, 'protection: [unclosed\n')],
    ['half a file, cut mid-write', () => replaceFile(configFile, EXCLUDING_SHOP.slice(0, 30))],
    ['the wrong shape', () => replaceFile(configFile, 'protection: 5\n')],
    ['an unknown key (a typo)', () => replaceFile(configFile, 'protectoin:\n  excludeNamespaces: [shop]\n')],
    ['billion laughs', () => replaceFile(configFile, laughs)],
    ['a deleted file', () => unlinkSync(configFile)],
  ];

  test('each garbage version is rejected, and the previous config keeps deciding; a valid one then applies', async () => {
    assert.equal(await probeAllowed(serve), true, 'the starting config excludes shop from protection');
    for (const [what, write] of GARBAGE) {
      const rejectedBefore = serve.messages('new config rejected; the previous config stays in force').length;
      write();
      await waitUntil(`the reload of ${what} to be rejected`, () => serve.messages('new config rejected; the previous config stays in force').length > rejectedBefore, WATCHDOG_MS, () => serve.tail());
      assert.equal(await probeAllowed(serve), true, `after ${what}, the previous config still decides`);
      assert.equal((await serve.get('/readyz')).status, 200, `after ${what}, ztgate stays ready`);
    }
    const metrics = await scrape(serve.metricsPort);
    assert.match(metrics, /ztgate_config_reloads_total\{result="rejected"\} ([7-9]|\d\d+)/);
    assert.equal(serve.messages('config reloaded').length, 0, 'no garbage was ever applied');

    replaceFile(configFile, 'protection:\n  excludeNamespaces: []\n');
    await waitUntil('the valid config to apply', () => serve.messages('config reloaded').length === 1, WATCHDOG_MS, () => serve.tail());
    assert.equal(await probeAllowed(serve), false, 'the new config protects shop');
  });

  test('an empty file (what a reader sees while an editor rewrites the file in place) is rejected, not applied as the defaults', async () => {
      replaceFile(configFile, EXCLUDING_SHOP);
      await waitUntil('the shop-excluding config to apply', async () => (await probeAllowed(serve)) === true, WATCHDOG_MS, () => serve.tail());
      const rejectedBefore = serve.messages('new config rejected; the previous config stays in force').length;
      replaceFile(configFile, '');
      await waitUntil('the empty file to be read', () => serve.messages('new config rejected; the previous config stays in force').length > rejectedBefore || serve.messages('config reloaded').length > 2, WATCHDOG_MS, () => serve.tail());
      assert.equal(await probeAllowed(serve), true, 'the previous config still decides');
  });
});

describe('a certificate file replaced with garbage', () => {
  let pki: Pki;
  let serve: ServeProcess;
  before(async () => {
    pki = makePki('cert-garbage');
    serve = await ServeProcess.start(['--tls-cert', pki.certFile, '--tls-key', pki.keyFile], pki.caPem);
  });
  after(async () => {
    await serve?.stop();
    pki?.remove();
  });

  test('each bad set is refused and the current certificate keeps serving; a good pair then takes over', async () => {
    const original = await servedFingerprint(serve.port, pki.caPem);
    const otherCa = createCertificateAuthority({ commonName: 'other', validityDays: 10, now: new Date() });
    const unrelated = issueServingCertificate({ ca: otherCa, hosts: ['127.0.0.1'], validityDays: 10, now: new Date() });
    const expired = issueServingCertificate({ ca: otherCa, hosts: ['127.0.0.1'], validityDays: 1, now: new Date(Date.now() - 30 * 86_400_000) });
    const pem = (body: string): string => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
    const base64 = pki.certPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    // Each refusal reason differs from the one before: the source logs a repeated reason only once.
    const BAD: [string, () => void][] = [
      ['garbage in the certificate file', () => replaceFile(pki.certFile, 'not a certificate at all\n')],
      ['a certificate that does not match the key', () => replaceFile(pki.certFile, unrelated.certPem)],
      ['a certificate cut in half inside its PEM block', () => replaceFile(pki.certFile, pem(base64.slice(0, base64.length >> 1)))],
      ['an expired certificate with its own key', () => {
        replaceFile(pki.keyFile, expired.keyPem);
        replaceFile(pki.certFile, expired.certPem);
      }],
      ['an empty key file', () => replaceFile(pki.keyFile, '')],
    ];
    for (const [what, write] of BAD) {
      const refusedBefore = serve.messages('refused new certificate files; keeping the current certificate').length;
      write();
      await waitUntil(`${what} to be refused`, () => serve.messages('refused new certificate files; keeping the current certificate').length > refusedBefore, WATCHDOG_MS, () => serve.tail());
      assert.equal(await servedFingerprint(serve.port, pki.caPem), original, `after ${what}, new connections still get the original certificate`);
      assert.equal((await serve.post('/validate', PROBE)).status, 200, `after ${what}, reviews are served`);
    }
    assert.equal(serve.messages('serving certificate reloaded for new connections').length, 0);

    const next = generateCertificates(['127.0.0.1']);
    replaceFile(pki.keyFile, next.keyPem);
    replaceFile(pki.certFile, next.certPem);
    await waitUntil('the good pair to be served', async () => (await servedFingerprint(serve.port, next.caPem).catch(() => '')) !== '', WATCHDOG_MS, () => serve.tail());
    assert.notEqual(await servedFingerprint(serve.port, next.caPem), original);
  });
});

interface Sent {
  uid: string;
  path: '/validate' | '/mutate';
  /** A non-dry-run policy change sent to /validate: exactly these must appear in the audit file. */
  audited: boolean;
  status?: number;
  echoed?: string;
  error?: string;
}

/** The review mix: every family of the corpus, policy changes as real writes and as dry runs. */
function reviewFor(n: number): { body: string; sent: Sent } {
  const seed = REAL_REVIEWS[n % REAL_REVIEWS.length]!;
  const review = structuredClone(seed.review);
  const request = review['request'] as JsonObject;
  const uid = `load-${n}`;
  request['uid'] = uid;
  // Whatever ztgate audits as a policy change: Calico, Kubernetes and Istio policy, mesh extensions.
  const policy = policyKindOf(request['kind'] as unknown as GroupVersionKind) !== undefined;
  const dryRun = policy && n % 3 === 0;
  request['dryRun'] = dryRun;
  const path = policy || n % 2 === 0 ? '/validate' : '/mutate';
  return { body: JSON.stringify(review), sent: { uid, path, audited: policy && !dryRun && path === '/validate' } };
}

describe('SIGTERM under load, with the audit trail', () => {
  let pki: Pki;
  let serve: ServeProcess;
  let auditFile: string;
  before(async () => {
    pki = makePki('sigterm');
    auditFile = join(pki.dir, 'audit.jsonl');
    const configFile = join(pki.dir, 'config.yaml');
    writeFileSync(configFile, `audit:\n  file: ${auditFile}\n`);
    serve = await ServeProcess.start(['--config', configFile, '--tls-cert', pki.certFile, '--tls-key', pki.keyFile, '--shutdown-delay', '1500ms'], pki.caPem);
  });
  after(async () => {
    await serve?.stop();
    if (pki) rmSync(pki.dir, { recursive: true, force: true });
  });

  test('every review sent is answered, one sent mid-close included; then connections are refused; each policy change is audited exactly once', async () => {
    const CONNECTIONS = 16;
    const agents = Array.from({ length: CONNECTIONS }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    const sent: Sent[] = [];
    let next = 0;
    // The endpoints controller's view: once readiness is false, no new review is routed here.
    let routing = true;
    const workers = agents.map(async (agent) => {
      while (routing) {
        const { body, sent: record } = reviewFor(next++);
        sent.push(record);
        try {
          const answer = await serve.post(record.path, body, { agent });
          record.status = answer.status;
          record.echoed = (JSON.parse(answer.body) as { response?: { uid?: string } }).response?.uid;
        } catch (error) {
          record.error = errorCode(error);
        }
      }
    });
    const poller = (async () => {
      while (routing) {
        const ready = await serve.get('/readyz').catch(() => undefined);
        if (ready && ready.status === 503) routing = false;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    await waitUntil('a load of reviews to be flowing', () => sent.length >= 400, WATCHDOG_MS);
    serve.signal('SIGTERM');
    await waitUntil('the draining line', () => serve.messages('draining: readiness is false, in-flight reviews finish').length === 1, WATCHDOG_MS, () => serve.tail());

    // A policy change whose body is still arriving when the server closes (after the 1.5 s delay).
    const slow = structuredClone(REAL_REVIEWS.find((r) => r.name === 'calico policy in the security tier by a non-owner')!.review);
    (slow['request'] as JsonObject)['uid'] = 'in-flight-at-close';
    const slowAnswer = trickledPost(serve.port, pki.caPem, JSON.stringify(slow), 2500);

    await Promise.all([...workers, poller]);
    const exit = await serve.exited();
    const inFlight = await slowAnswer;
    assert.equal(exit.code, 0, `serve exits cleanly (${JSON.stringify(exit)})`);
    assert.ok(serve.messages('stopped').length === 1);

    const failed = sent.filter((record) => record.status !== 200 || record.echoed !== record.uid);
    assert.deepEqual(failed, [], `${failed.length} of ${sent.length} reviews were not answered`);
    assert.equal(inFlight.status, 200, `the review in flight at close is answered: ${inFlight.body}`);
    assert.equal((JSON.parse(inFlight.body) as { response: { uid: string; allowed: boolean } }).response.uid, 'in-flight-at-close');
    await assert.rejects(serve.post('/validate', PROBE), (error: unknown) => errorCode(error) === 'ECONNREFUSED', 'after exit: a clean refusal');

    const audited = readFileSync(auditFile, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { uid: string }).uid);
    const expected = [...sent.filter((record) => record.audited).map((record) => record.uid), 'in-flight-at-close'];
    assert.ok(expected.length > 50, `${expected.length} policy changes under load`);
    assert.deepEqual([...audited].sort(), [...expected].sort(), 'exactly one audit event per admitted or denied policy change, none for dry runs');
    assert.ok(sent.some((record) => record.uid.startsWith('load-') && !record.audited && record.path === '/validate'), 'dry runs and other kinds were in the mix');
    for (const agent of agents) agent.destroy();
  });
});

/** POST whose body trickles in over `overMs`, on its own connection: a review still arriving during close. */
function trickledPost(port: number, ca: string, body: string, overMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      { host: '127.0.0.1', port, path: '/validate', method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on('error', reject);
    const pieces = 10;
    const size = Math.ceil(body.length / pieces);
    let sentPieces = 0;
    const timer = setInterval(() => {
      request.write(body.slice(sentPieces * size, (sentPieces + 1) * size));
      sentPieces += 1;
      if (sentPieces === pieces) {
        clearInterval(timer);
        request.end();
      }
    }, overMs / pieces);
    void once(request, 'close').then(() => clearInterval(timer));
  });
}
