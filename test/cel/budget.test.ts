import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Fastify, { type InjectOptions } from 'fastify';
import { Budget, BudgetExceeded, DEFAULT_LIMITS } from '../../src/cel/budget.js';
import type { Config } from '../../src/config/types.js';
import { decide } from '../../src/engine/decide.js';
import type { JsonObject } from '../../src/util/json.js';
import { configWithRules, facts, requestFor, withRuleLimits } from './support.js';

/** `object.items.all(a0, object.items.all(a1, ... true))`, `depth` loops deep. */
function nestedLoops(depth: number): string {
  let expression = 'true';
  for (let i = depth - 1; i >= 0; i--) expression = `object.items.all(a${i}, ${expression})`;
  return expression;
}

const bigList: JsonObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'big', namespace: 'shop' },
  items: Array.from({ length: 10_000 }, (_, i) => i),
};

const hostile = { name: 'hostile', match: { kinds: ['ConfigMap'] }, validations: [{ expression: nestedLoops(10) }] };
const innocent = { name: 'innocent', match: { kinds: ['ConfigMap'] }, validations: [{ expression: "object.metadata.name == 'big'" }] };

describe('the evaluation budget', () => {
  test('counts steps and reads a clock, and stays spent', () => {
    let now = 0;
    const budget = new Budget({ ...DEFAULT_LIMITS, evaluationBudgetMs: 10, maxSteps: 100 }, () => now);
    budget.charge(15);
    now = 11;
    assert.throws(() => budget.charge(1), BudgetExceeded);
    assert.ok(budget.exhausted);
    now = 0;
    assert.throws(() => budget.charge(1), /exceeded the evaluation budget \(10ms or 100 steps\)/);
  });

  test('has a step limit independent of the clock', () => {
    const budget = new Budget({ ...DEFAULT_LIMITS, maxSteps: 100 }, () => 0);
    budget.charge(100);
    assert.throws(() => budget.charge(1), BudgetExceeded);
  });

  test('cuts off a loop over 10,000 elements 10 levels deep, naming the rule', () => {
    const config = configWithRules([hostile, innocent]);
    assert.deepEqual(config.rules.loadErrors, []);
    const verdict = decide(requestFor(bigList), facts(), config);
    assert.equal(verdict.allowed, false);
    assert.deepEqual(verdict.denials.map((d) => d.message), [
      'ZT-RULE hostile: evaluation stopped: the review exceeded the evaluation budget (100ms or 1000000 steps)',
      'ZT-RULE innocent: not evaluated: the review exceeded the evaluation budget (100ms or 1000000 steps)',
    ]);
  });

  test('is cut off by steps alone when the clock is generous', () => {
    const config = withRuleLimits(configWithRules([hostile]), { evaluationBudgetMs: 600_000, maxSteps: 50_000 });
    const verdict = decide(requestFor(bigList), facts(), config);
    assert.deepEqual(verdict.denials.map((d) => d.message), ['ZT-RULE hostile: evaluation stopped: the review exceeded the evaluation budget (600000ms or 50000 steps)']);
  });

  test('cannot be escaped by letting CEL absorb the error', () => {
    const absorbing = { ...hostile, validations: [{ expression: `${nestedLoops(10)} || true` }] };
    const verdict = decide(requestFor(bigList), facts(), configWithRules([absorbing]));
    assert.match(verdict.denials[0]?.message ?? '', /^ZT-RULE hostile: evaluation stopped/);
  });

  test('with failurePolicy Ignore, a spent budget allows and records the rule', () => {
    const verdict = decide(requestFor(bigList), facts(), configWithRules([{ ...hostile, failurePolicy: 'Ignore' }]));
    assert.equal(verdict.allowed, true);
    assert.match(Object.values(verdict.auditAnnotations).join('\n'), /ZT-RULE hostile: evaluation stopped: .*\(ignored: failurePolicy Ignore\)/);
  });

  test('applies per review: the next review starts afresh', () => {
    const config = configWithRules([hostile, innocent]);
    decide(requestFor(bigList), facts(), config);
    const small = { ...bigList, items: [1, 2] };
    assert.deepEqual(decide(requestFor(small), facts(), config).violations, []);
  });
});

/** A tiny server in the shape of ztgate's: a review route running decide(), and a health route. */
function reviewServer(config: Config, onReview: () => void) {
  const app = Fastify();
  app.post('/review', async (request) => {
    onReview();
    const verdict = decide(requestFor(request.body as JsonObject), facts(), config);
    return { allowed: verdict.allowed, messages: verdict.denials.map((d) => d.message) };
  });
  app.get('/healthz', async () => ({ ok: true }));
  return app;
}

describe('while a hostile rule runs', () => {
  test('the server keeps answering: a request arriving during a hostile review is served before the next one', { timeout: 60_000 }, async () => {
    const answered: string[] = [];
    const pending: Promise<unknown>[] = [];
    const send = (label: string, options: InjectOptions) => {
      pending.push(app.inject(options).then((response) => answered.push(`${label} ${response.statusCode}`)));
    };
    let reviews = 0;
    // The first review, while it evaluates, is joined by a health check and a second hostile review.
    const app = reviewServer(configWithRules([hostile]), () => {
      if (++reviews > 1) return;
      send('health', { method: 'GET', url: '/healthz' });
      send('second review', { method: 'POST', url: '/review', payload: bigList });
    });
    try {
      const first = await app.inject({ method: 'POST', url: '/review', payload: bigList });
      await Promise.all(pending);
      assert.deepEqual(answered, ['health 200', 'second review 200']);
      const body = first.json() as { allowed: boolean; messages: string[] };
      assert.equal(body.allowed, false);
      assert.match(body.messages[0]!, /^ZT-RULE hostile: evaluation stopped: the review exceeded the evaluation budget/);
    } finally {
      await app.close();
    }
  });
});
