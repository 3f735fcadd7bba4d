import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.js';
import { defaultConfig } from '../../src/config/parse.js';
import { StaticNamespaceSource } from '../../src/facts/static.js';
import { Metrics } from '../../src/http/metrics.js';
import { createLogger } from '../../src/log/logger.js';
import { ensureDevCertificates } from '../../src/tls/dev-certs.js';
import { fileCertificateSource } from '../../src/tls/source.js';
import { tlsServerOptions } from '../../src/tls/options.js';
import { LogCapture } from '../support/app.js';
import { pod, reviewOf } from '../support/reviews.js';

const dir = mkdtempSync(join(tmpdir(), 'ztgate-tls-'));
let ca = '';
let port = 0;
let close: () => Promise<void> = async () => {};

before(async () => {
  const certs = await ensureDevCertificates(dir, ['127.0.0.1']);
  ca = certs.caPem;
  const source = fileCertificateSource({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), pollMs: 0 });
  const { app } = buildApp({
    config: () => defaultConfig(),
    namespaces: new StaticNamespaceSource(),
    logger: createLogger({ destination: new LogCapture() }),
    metrics: new Metrics({ defaultMetrics: false }),
    serverOptions: { https: tlsServerOptions(source) },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
  close = async () => {
    await app.close();
    source.close();
  };
});
after(async () => {
  await close();
  rmSync(dir, { recursive: true, force: true });
});

function post(body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/validate', method: 'POST', ca, headers: { 'content-type': 'application/json' }, },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('answers an AdmissionReview over real TLS, verified against the dev CA', async () => {
  const response = await post(JSON.stringify(reviewOf(pod({ serviceAccountName: 'default' }), { uid: 'tls-1' })));
  assert.equal(response.status, 200);
  const review = JSON.parse(response.body);
  assert.equal(review.response.uid, 'tls-1');
  assert.equal(review.response.allowed, false);
  assert.match(review.response.status.message, /^ZT-POD-001/);
});
