import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createAuditSink, AUDIT_MESSAGE } from '../../src/audit/sink.js';
import { auditObserver } from '../../src/http/audit-observer.js';
import { createLogger } from '../../src/log/logger.js';
import { LogCapture, testApp } from '../support/app.js';
import { pod, reviewOf } from '../support/reviews.js';
import type { JsonObject } from '../../src/util/json.js';

const auditLog = new LogCapture();
const sink = createAuditSink({ logger: createLogger({ destination: auditLog }) });
const { app } = testApp({ deps: { observer: auditObserver(() => sink) } });
after(async () => {
  await app.close();
  await sink.close();
});

function globalPolicy(rules: JsonObject[]): JsonObject {
  return {
    apiVersion: 'projectcalico.org/v3',
    kind: 'GlobalNetworkPolicy',
    metadata: { name: 'security.allow-web' },
    spec: { tier: 'security', order: 100, selector: "app == 'web'", types: ['Ingress'], ingress: rules },
  };
}

async function post(review: JsonObject) {
  const response = await app.inject({ method: 'POST', url: '/validate', payload: JSON.stringify(review), headers: { 'content-type': 'application/json' } });
  return response.json().response as { allowed: boolean };
}

test('every decided policy review yields exactly one audit event, denied and dry-run ones included', async () => {
  const bob = { username: 'bob', groups: ['ztgate:developers'] };
  const alice = { username: 'alice', groups: ['ztgate:security-admins'] };
  const allowAll = globalPolicy([{ action: 'Allow' }]);
  const results = [
    await post(reviewOf(allowAll, { uid: 'a1', userInfo: bob })),
    await post(reviewOf(allowAll, { uid: 'a2', userInfo: alice, dryRun: true })),
    await post(reviewOf(pod({ serviceAccountName: 'web' }), { uid: 'not-a-policy' })),
  ];
  assert.equal(results[0]!.allowed, false);
  assert.equal(results[1]!.allowed, false, 'allow-all is denied even to the owner');
  const events = auditLog.lines.filter((line) => line['msg'] === AUDIT_MESSAGE);
  assert.deepEqual(events.map((event) => event['uid']), ['a1', 'a2']);
  assert.equal(events[0]!['dryRun'], false);
  assert.equal(events[1]!['dryRun'], true);
  assert.deepEqual((events[0]!['who'] as JsonObject)['username'], 'bob');
  assert.equal((events[0]!['what'] as JsonObject)['tier'], 'security');
  assert.equal((events[0]!['decision'] as JsonObject)['allowed'], false);
});

test('a failure recording a decision after the answer went out leaves the answer and is logged, not lost', async () => {
  const failing = testApp({
    deps: {
      observer: () => {
        throw new Error('audit file vanished');
      },
    },
  });
  try {
    const response = await failing.app.inject({
      method: 'POST',
      url: '/validate',
      payload: JSON.stringify(reviewOf(pod({ serviceAccountName: 'web' }), { uid: 'late-failure' })),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().response.uid, 'late-failure');
    const errors = failing.logs.lines.filter((line) => line['level'] === 50);
    assert.equal(errors.length, 1, JSON.stringify(failing.logs.lines));
    assert.match(String(errors[0]!['msg']), /recording the admission decision failed/);
    assert.equal(errors[0]!['uid'], 'late-failure');
    assert.match(JSON.stringify(errors[0]!['err']), /audit file vanished/);
  } finally {
    await failing.app.close();
  }
});
