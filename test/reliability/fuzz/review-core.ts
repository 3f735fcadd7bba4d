/**
 * Fuzz bodies for the AdmissionReview decoder and the review core, run inside a worker (see
 * support/in-worker.ts) so a hang is caught by a watchdog instead of stalling CI.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeReview } from '../../../src/admission/decode.js';
import { ZtgateError } from '../../../src/errors.js';
import { runReview, type WebhookKind } from '../../../src/review/review.js';
import type { JsonObject } from '../../../src/util/json.js';
import { CONFIG, namespaceSource, REAL_REVIEWS } from '../support/corpus.js';
import { assertPrototypesClean, setOwn } from './hostile.js';

export interface FuzzOptions {
  runs: number;
  seed: number;
}

export interface FuzzStats {
  inputs: number;
  decided: number;
  refused: number;
  slowestMs: number;
}

/** Generous: one review of these sizes takes well under a millisecond; this only catches runaway work. */
const PER_INPUT_LIMIT_MS = 5000;
const NOW = new Date('2026-11-23T00:00:00Z');
const namespaces = namespaceSource();
const WEBHOOKS: WebhookKind[] = ['validate', 'mutate'];

/**
 * The invariants every input must keep: runReview returns (no throw); an envelope the decoder refuses is
 * answered 4xx with a coded error and never carries a decision; an accepted one is answered 200 with a
 * decision that echoes its uid; the request is not modified; no prototype is polluted.
 */
export function checkOne(webhook: WebhookKind, body: unknown, stats: FuzzStats): void {
  const before = JSON.stringify(body);
  let decodable = true;
  try {
    decodeReview(body);
  } catch (error) {
    if (!(error instanceof ZtgateError)) throw error;
    decodable = false;
  }
  const started = performance.now();
  const outcome = runReview(webhook, body, { config: CONFIG, namespaces, now: NOW });
  const elapsed = performance.now() - started;
  stats.inputs += 1;
  stats.slowestMs = Math.max(stats.slowestMs, elapsed);
  assert.ok(elapsed < PER_INPUT_LIMIT_MS, `one review took ${Math.round(elapsed)} ms`);
  if (!decodable) {
    stats.refused += 1;
    assert.equal(outcome.ok, false, 'an envelope the decoder refuses is never decided');
    assert.ok(outcome.httpStatus >= 400 && outcome.httpStatus < 500, `status ${outcome.httpStatus}`);
    assert.equal(typeof (outcome.body as { code?: unknown }).code, 'string');
    assert.ok(!('response' in outcome.body));
  } else {
    stats.decided += 1;
    assert.equal(outcome.ok, true);
    if (!outcome.ok) return;
    assert.equal(outcome.httpStatus, 200);
    assert.equal(outcome.body.apiVersion, 'admission.k8s.io/v1');
    assert.equal(outcome.body.kind, 'AdmissionReview');
    assert.equal(outcome.body.response.uid, outcome.request.uid);
    assert.equal(typeof outcome.body.response.allowed, 'boolean');
    JSON.stringify(outcome.body);
  }
  assert.equal(JSON.stringify(body), before, 'the review in the request is never modified');
  assertPrototypesClean();
}

const hostileNumber = fc.constantFrom(2 ** 53 + 2, -(2 ** 53) - 2, Number.MAX_VALUE, -0, Infinity, -Infinity, 1337, 1337.5, 0.1, -1, 4_294_968_633);
const hostileString = fc.constantFrom('', '\u0000', '\ud800', '\u202e', 'default', 'kube-system', 'ztgate-system', 'system:masters', 'x'.repeat(5000), '../..', '*');
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', 'a/b', '~1', 'metadata', 'spec', 'allowed');
const leaf = fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileNumber, hostileString);

type Step = (string | number)[];

/** Every path into `value`, the root included, breadth-first, at most `limit`. */
function pathsOf(value: unknown, limit = 400): Step[] {
  const out: Step[] = [[]];
  for (let i = 0; i < out.length && out.length < limit; i++) {
    const node = at(value, out[i]!);
    if (node && typeof node === 'object') for (const key of Object.keys(node)) out.push([...out[i]!, Array.isArray(node) ? Number(key) : key]);
  }
  return out;
}

function at(value: unknown, path: Step): unknown {
  let node = value;
  for (const step of path) node = (node as Record<string | number, unknown>)[step];
  return node;
}

interface Mutation {
  pick: number;
  kind: 'delete' | 'replace' | 'insert' | 'wrap' | 'retype';
  key: string;
  value: unknown;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom('delete', 'replace', 'insert', 'wrap', 'retype'),
  key: fc.oneof(hostileKey, fc.string({ maxLength: 8 })),
  value: leaf,
});

/** A real review with structured damage: fields dropped, replaced, retyped, wrapped, or hostile keys added. */
export function mutate(review: JsonObject, mutations: Mutation[]): unknown {
  let root: unknown = structuredClone(review);
  for (const m of mutations) {
    const paths = pathsOf(root);
    const path = paths[m.pick % paths.length]!;
    const node = at(root, path);
    const parent = path.length > 0 ? (at(root, path.slice(0, -1)) as Record<string | number, unknown>) : undefined;
    const last = path[path.length - 1];
    const put = (value: unknown): void => {
      if (parent === undefined) root = value;
      else setOwn(parent, last!, value);
    };
    switch (m.kind) {
      case 'delete':
        if (parent && Array.isArray(parent)) parent.splice(Number(last), 1);
        else if (parent) delete parent[last!];
        break;
      case 'replace':
        put(m.value);
        break;
      case 'insert':
        if (node && typeof node === 'object' && !Array.isArray(node)) setOwn(node as Record<string, unknown>, m.key, m.value);
        else if (Array.isArray(node)) node.push(m.value);
        break;
      case 'wrap':
        put([node]);
        break;
      case 'retype':
        put(typeof node === 'string' ? Number(node) || [node] : typeof node === 'number' ? String(node) : node && typeof node === 'object' ? JSON.stringify(node) : { value: node });
        break;
    }
  }
  return root;
}

/** Keys the decoder reads at the top and in `request`; noise uses anything else. */
const ENVELOPE_KEYS = new Set(['apiVersion', 'kind', 'request']);
const REQUEST_KEYS = new Set([
  'uid', 'kind', 'resource', 'subResource', 'requestKind', 'requestResource', 'requestSubResource', 'name', 'namespace',
  'operation', 'userInfo', 'object', 'oldObject', 'dryRun', 'options',
]);
const noiseKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'response', 'allowed', 'patch', 'status'), fc.string({ maxLength: 10 }));

function stats(): FuzzStats {
  return { inputs: 0, decided: 0, refused: 0, slowestMs: 0 };
}

/** Random JSON, and random envelopes around real objects: never a throw, never a decision for a refused envelope. */
export function randomBodies(options: FuzzOptions): FuzzStats {
  const result = stats();
  const envelope = fc.record(
    {
      apiVersion: fc.oneof(fc.constant('admission.k8s.io/v1'), leaf),
      kind: fc.oneof(fc.constant('AdmissionReview'), leaf),
      request: fc.record(
        {
          uid: fc.oneof(fc.uuid(), leaf),
          kind: fc.oneof(fc.constant({ group: '', version: 'v1', kind: 'Pod' }), leaf),
          resource: fc.oneof(fc.constant({ group: '', version: 'v1', resource: 'pods' }), leaf),
          operation: fc.oneof(fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'CONNECT'), leaf),
          namespace: fc.oneof(fc.constantFrom('shop', 'mesh', 'kube-system', ''), leaf),
          userInfo: fc.oneof(fc.constant({ username: 'alice', groups: ['system:authenticated'] }), leaf),
          dryRun: fc.oneof(fc.boolean(), leaf),
          object: fc.oneof(fc.constantFrom(...REAL_REVIEWS.map((r) => (r.review['request'] as JsonObject)['object'] ?? null)), leaf),
          oldObject: fc.oneof(fc.constant(undefined), leaf),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(fc.constantFrom(...WEBHOOKS), fc.oneof(fc.jsonValue(), envelope), (webhook, body) => checkOne(webhook, body, result)),
    { numRuns: options.runs, seed: options.seed },
  );
  return result;
}

/** Structured mutations of real reviews. */
export function mutatedReviews(options: FuzzOptions): FuzzStats {
  const result = stats();
  fc.assert(
    fc.property(fc.constantFrom(...REAL_REVIEWS), fc.constantFrom(...WEBHOOKS), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, webhook, mutations) =>
      checkOne(webhook, mutate(seed.review, mutations), result),
    ),
    { numRuns: options.runs, seed: options.seed },
  );
  assert.ok(result.decided > 0 && result.refused > 0, `both outcomes are reached (${result.decided} decided, ${result.refused} refused)`);
  return result;
}

/**
 * Fields the decoder does not read, hostile names included (`__proto__`, `response`, `allowed`), change
 * nothing: the answer is byte-identical to the clean review's.
 */
export function envelopeNoise(options: FuzzOptions): FuzzStats {
  const result = stats();
  const top = fc.array(fc.tuple(noiseKey.filter((key) => !ENVELOPE_KEYS.has(key)), leaf), { maxLength: 4 });
  const inner = fc.array(fc.tuple(noiseKey.filter((key) => !REQUEST_KEYS.has(key)), leaf), { maxLength: 4 });
  fc.assert(
    fc.property(fc.constantFrom(...REAL_REVIEWS), fc.constantFrom(...WEBHOOKS), top, inner, (seed, webhook, topNoise, requestNoise) => {
      const clean = runReview(webhook, seed.review, { config: CONFIG, namespaces, now: NOW });
      const noisy = structuredClone(seed.review);
      for (const [key, value] of topNoise) setOwn(noisy, key, value as never);
      for (const [key, value] of requestNoise) setOwn(noisy['request'] as JsonObject, key, value as never);
      checkOne(webhook, noisy, result);
      const answer = runReview(webhook, noisy, { config: CONFIG, namespaces, now: NOW });
      assert.deepEqual(answer.body, clean.body);
    }),
    { numRuns: options.runs, seed: options.seed },
  );
  return result;
}
