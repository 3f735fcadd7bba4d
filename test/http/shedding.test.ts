import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { LoadShedder } from '../../src/http/load-shedding.js';
import { testApp } from '../support/app.js';
import { pod, reviewOf } from '../support/reviews.js';

const full = new LoadShedder({ maxInFlight: 0, maxEventLoopDelayMs: 10_000 });
const roomy = new LoadShedder({ maxInFlight: 10, maxEventLoopDelayMs: 10_000 });
const shedding = testApp({ deps: { shedder: full } });
const serving = testApp({ deps: { shedder: roomy } });
after(async () => {
  await shedding.app.close();
  await serving.app.close();
  full.close();
  roomy.close();
});

const payload = JSON.stringify(reviewOf(pod({ serviceAccountName: 'web' })));
const headers = { 'content-type': 'application/json' };

test('over the in-flight limit, reviews get a fast 503 OVERLOADED and readiness says so', async () => {
  const response = await shedding.app.inject({ method: 'POST', url: '/validate', payload, headers });
  assert.equal(response.statusCode, 503);
  assert.equal(response.json().code, 'OVERLOADED');
  assert.match(response.json().message, /0 reviews in flight \(limit 0\)/);
  assert.equal(response.headers['retry-after'], '1');
  const ready = await shedding.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 503);
  assert.match(await shedding.metrics.registry.metrics(), /ztgate_shed_requests_total 1/);
  assert.equal((await shedding.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'health is not shed');
  for (const url of ['/validate/fail', '/validate/ignore', '/mutate']) {
    assert.equal((await shedding.app.inject({ method: 'POST', url, payload, headers })).statusCode, 503, `${url} is shed too`);
  }
});

test('concurrent reviews beyond the limit are shed, and every finished review releases its slot', async () => {
  const responses = await Promise.all(
    Array.from({ length: 25 }, () => serving.app.inject({ method: 'POST', url: '/mutate', payload, headers })),
  );
  const served = responses.filter((response) => response.statusCode === 200).length;
  const shed = responses.filter((response) => response.statusCode === 503).length;
  assert.equal(served + shed, 25);
  assert.ok(served >= 10, `at least the limit is served (${served})`);
  assert.equal(roomy.current, 0);
  const again = await serving.app.inject({ method: 'POST', url: '/mutate', payload, headers });
  assert.equal(again.statusCode, 200, 'slots are free again');
  const bad = await serving.app.inject({ method: 'POST', url: '/validate', payload: '{', headers });
  assert.equal(bad.statusCode, 400);
  assert.equal(roomy.current, 0, 'a rejected body releases its slot too');
});
