import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { pod, reviewOf } from '../support/reviews.js';
import { testApp } from '../support/app.js';
import { parseConfig } from '../../src/config/parse.js';

const { app, logs, metrics, startDraining } = testApp();
after(() => app.close());

async function post(url: string, body: unknown, contentType = 'application/json') {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });
}

describe('POST /validate', () => {
  test('denies a Pod on the default ServiceAccount with 403 and ZT-POD-001', async () => {
    const response = await post('/validate', reviewOf(pod({ serviceAccountName: 'default' }), { uid: 'uid-1' }));
    assert.equal(response.statusCode, 200);
    const review = response.json();
    assert.equal(review.apiVersion, 'admission.k8s.io/v1');
    assert.equal(review.kind, 'AdmissionReview');
    assert.equal(review.response.uid, 'uid-1');
    assert.equal(review.response.allowed, false);
    assert.equal(review.response.status.code, 403);
    assert.equal(review.response.status.reason, 'Forbidden');
    assert.match(review.response.status.message, /^ZT-POD-001: .*\(spec\.serviceAccountName\)/);
  });
  test('allows the same Pod with serviceAccountName web', async () => {
    const review = (await post('/validate', reviewOf(pod({ serviceAccountName: 'web' }), { uid: 'uid-2' }))).json();
    assert.deepEqual(review.response, { uid: 'uid-2', allowed: true });
  });
  test('never evaluates kube-system', async () => {
    const review = (await post('/validate', reviewOf(pod({}, { namespace: 'kube-system' })))).json();
    assert.equal(review.response.allowed, true);
  });
  test('logs one decision line bound to the review, without the object', async () => {
    await post('/validate', reviewOf(pod({}), { uid: 'uid-log' }));
    const line = logs.lines.find((entry) => entry['uid'] === 'uid-log');
    assert.ok(line, 'a decision line for uid-log');
    assert.equal(line['msg'], 'admission decision');
    assert.equal(line['kind'], 'Pod');
    assert.equal(line['namespace'], 'shop');
    assert.equal(line['operation'], 'CREATE');
    assert.equal(line['user'], 'alice', 'the requesting user, as userInfo.username');
    assert.deepEqual(line['invariants'], ['ZT-POD-001:denied']);
    assert.equal(typeof line['latencyMs'], 'number');
    assert.ok(!JSON.stringify(line).includes('registry.example/app'), 'the object is never logged');
  });
  test('records the latency histogram and the per-invariant counter', async () => {
    const text = await metrics.registry.metrics();
    assert.match(text, /ztgate_admission_duration_seconds_count\{webhook="validate",kind="Pod",operation="CREATE",allowed="false"\} \d+/);
    assert.match(text, /ztgate_invariant_decisions_total\{invariant="ZT-POD-001",result="denied"\} \d+/);
  });
});

describe('POST /validate/fail and /validate/ignore: the path of the sending webhook’s failurePolicy', () => {
  const service = (uid: string) =>
    reviewOf(
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'claims', namespace: 'sandbox' }, spec: { ports: [{ port: 80 }], externalIPs: ['203.0.113.7'] } },
      { uid },
    );
  test('a decision is the same on every validate path, byte for byte', async () => {
    const review = reviewOf(pod({ serviceAccountName: 'default' }), { uid: 'uid-paths' });
    const bodies = await Promise.all(['/validate', '/validate/fail', '/validate/ignore'].map(async (url) => (await post(url, review)).body));
    assert.equal(bodies[1], bodies[0]);
    assert.equal(bodies[2], bodies[0]);
  });
  test('an internal error outside protection refuses on /validate/fail and admits with a warning on /validate/ignore', async () => {
    const config = parseConfig({ protection: { excludeNamespaces: ['sandbox'] } }, 'test');
    const broken = Object.defineProperty({ ...config }, 'modes', {
      get() {
        throw new Error('modes unreadable');
      },
    });
    const failing = testApp({ config: broken });
    try {
      const answer = async (url: string) => (await failing.app.inject({ method: 'POST', url, payload: JSON.stringify(service(url)), headers: { 'content-type': 'application/json' } })).json().response;
      const closed = await answer('/validate/fail');
      assert.equal(closed.allowed, false);
      assert.match(closed.status.message, /internal error while validating, denied because the webhook that sent it fails closed \(failurePolicy: Fail\): modes unreadable/);
      for (const url of ['/validate/ignore', '/validate']) {
        const open = await answer(url);
        assert.equal(open.allowed, true, url);
        assert.match(open.warnings[0], /validation skipped after an internal error/, url);
      }
      const counted = await failing.metrics.registry.metrics();
      assert.match(counted, /ztgate_internal_errors_total\{webhook="validate"\} 3/);
    } finally {
      await failing.app.close();
    }
  });
  test('any other path under /validate is 404', async () => {
    const response = await post('/validate/Fail', service('uid-404'));
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().code, 'NOT_FOUND');
  });
});

describe('POST /mutate', () => {
  test('answers an AdmissionReview and echoes the uid', async () => {
    const review = (await post('/mutate', reviewOf(pod({ serviceAccountName: 'web' }), { uid: 'uid-m' }))).json();
    assert.equal(review.response.uid, 'uid-m');
    assert.equal(review.response.allowed, true);
  });
});

describe('bad requests get 400 with {code, message}', () => {
  const cases: { name: string; body: string; contentType?: string; status: number; code: string; mentions: string }[] = [
    { name: 'broken JSON', body: '{"apiVersion": ', status: 400, code: 'BODY_NOT_JSON', mentions: 'not valid JSON' },
    { name: 'empty body', body: '', status: 400, code: 'BODY_NOT_JSON', mentions: '' },
    { name: 'wrong apiVersion', body: JSON.stringify({ apiVersion: 'v1', kind: 'AdmissionReview', request: {} }), status: 400, code: 'REVIEW_API_VERSION', mentions: 'apiVersion' },
    { name: 'missing uid', body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } }), status: 400, code: 'REQUEST_FIELD', mentions: 'request.uid' },
    { name: 'text/plain', body: 'hello', contentType: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', mentions: '' },
  ];
  for (const { name, body, contentType, status, code, mentions } of cases) {
    test(name, async () => {
      const response = await post('/validate', body, contentType);
      assert.equal(response.statusCode, status);
      const json = response.json();
      assert.equal(json.code, code);
      assert.equal(typeof json.message, 'string');
      assert.ok(json.message.includes(mentions), json.message);
      assert.equal(json.allowed, undefined, 'never an allowed answer');
    });
  }
  test('bodies above 7 MiB are refused with 413', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(7 * 1024 * 1024 + 10) });
    const response = await post('/validate', big);
    assert.equal(response.statusCode, 413);
    assert.equal(response.json().code, 'BODY_TOO_LARGE');
  });
  test('a 6 MiB review is accepted', async () => {
    const object = pod({ serviceAccountName: 'web' }, { annotations: { big: 'x'.repeat(6 * 1024 * 1024) } });
    const response = await post('/validate', reviewOf(object));
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().response.allowed, true);
  });
  test('unknown routes are 404 with a code', async () => {
    const response = await app.inject({ method: 'GET', url: '/validate' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().code, 'NOT_FOUND');
  });
});

describe('health', () => {
  test('/healthz and /readyz', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().ready, true);
  });
  test('/readyz is false while draining, reviews still answered', async () => {
    startDraining();
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().checks.find((c: { name: string }) => c.name === 'draining').ok, false);
    const review = (await post('/validate', reviewOf(pod({ serviceAccountName: 'web' })))).json();
    assert.equal(review.response.allowed, true);
  });
  test('/readyz waits for the cluster’s ZeroTrustRules when they are watched', async () => {
    let synced = false;
    const clusterRules = { ready: () => synced, describe: () => (synced ? '0 ZeroTrustRules cached' : 'waiting for the first list of ZeroTrustRules') };
    const { app: watching } = testApp({ deps: { clusterRules } });
    const before = await watching.inject({ method: 'GET', url: '/readyz' });
    assert.equal(before.statusCode, 503);
    assert.deepEqual(before.json().checks.find((c: { name: string }) => c.name === 'cluster rules'), {
      name: 'cluster rules',
      ok: false,
      detail: 'waiting for the first list of ZeroTrustRules',
    });
    synced = true;
    assert.equal((await watching.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  });
});
