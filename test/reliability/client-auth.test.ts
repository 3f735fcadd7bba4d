/**
 * Who may call the webhook: with --client-ca, only a caller holding a certificate from that CA (the API
 * server's) completes the TLS handshake; and the plain-HTTP metrics port serves no admission endpoint.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { pod, reviewOf } from '../support/reviews.js';
import { errorCode } from './support/client.js';
import { makePki, type Pki } from './support/pki.js';
import { ServeProcess } from './support/serve.js';

const REVIEW = JSON.stringify(reviewOf(pod({ serviceAccountName: 'web' }), { uid: 'authn' }));

function plainHttp(port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, method, path, headers: body ? { 'content-type': 'application/json' } : {} }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

let pki: Pki;
let serve: ServeProcess;
before(async () => {
  pki = makePki('client-ca');
  serve = await ServeProcess.start(['--tls-cert', pki.certFile, '--tls-key', pki.keyFile, '--client-ca', pki.clientCaFile], pki.caPem);
});
after(async () => {
  await serve?.stop();
  pki?.remove();
});

describe('serve --client-ca', () => {
  test('the API server, holding a certificate from the client CA, is served', async () => {
    const answer = await serve.post('/validate', REVIEW, { cert: pki.apiServerClient.certPem, key: pki.apiServerClient.keyPem });
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.body).response.uid, 'authn');
  });

  const refused: [string, () => { cert?: string; key?: string }][] = [
    ['no client certificate', () => ({})],
    ['a client certificate from another CA', () => ({ cert: pki.strangerClient.certPem, key: pki.strangerClient.keyPem })],
    ['the serving certificate itself, presented as a client certificate', () => ({ cert: pki.certPem, key: pki.keyPem })],
  ];
  for (const [who, identity] of refused) {
    test(`a caller with ${who} gets a TLS failure and no HTTP answer`, async () => {
      for (const path of ['/validate', '/mutate']) {
        // `call` resolves on any HTTP answer, so a rejection means the connection failed before one.
        await assert.rejects(serve.post(path, REVIEW, identity()), (error: unknown) => /SSL|ECONNRESET|EPIPE|socket hang up/i.test(`${errorCode(error)} ${String(error)}`));
      }
      const decisions = serve.messages('admission decision').filter((line) => line['uid'] === 'authn');
      assert.equal(decisions.length, 1, 'only the authenticated review was ever decided');
    });
  }
});

describe('the metrics port', () => {
  test('exposes no admission endpoint: POST /validate and /mutate are 404 and nothing is decided', async () => {
    const decided = serve.messages('admission decision').length;
    for (const path of ['/validate', '/validate/fail', '/validate/ignore', '/mutate', '/validate/', '//validate', '/metrics/../validate']) {
      const answer = await plainHttp(serve.metricsPort, 'POST', path, REVIEW);
      assert.equal(answer.status, 404, `POST ${path}`);
      assert.doesNotMatch(answer.body, /"allowed"/);
    }
    assert.equal(serve.messages('admission decision').length, decided);
    const metrics = await plainHttp(serve.metricsPort, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /ztgate_admission_duration_seconds/);
  });

  test('the admission port answers only over TLS: plain HTTP to it gets no review', async () => {
    const decided = serve.messages('admission decision').length;
    const answer = await plainHttp(serve.port, 'POST', '/validate', REVIEW).catch((error: unknown) => ({ status: 0, body: errorCode(error) }));
    assert.notEqual(answer.status, 200);
    assert.equal(serve.messages('admission decision').length, decided);
  });
});
