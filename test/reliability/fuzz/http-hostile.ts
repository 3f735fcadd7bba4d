/**
 * Hostile bodies through the whole HTTP app (fastify's body limit and our JSON parser included), run in a
 * worker by fuzz-http.test.ts. Each case names what it expects; every case also keeps the general
 * invariants: no 5xx, a coded error or a decision, no prototype pollution, the next review still served.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { decodeReview } from '../../../src/admission/decode.js';
import { buildApp, BODY_LIMIT_BYTES } from '../../../src/app.js';
import { Metrics } from '../../../src/http/metrics.js';
import { createLogger } from '../../../src/log/logger.js';
import type { JsonObject } from '../../../src/util/json.js';
import { pod, reviewOf } from '../../support/reviews.js';
import { CONFIG, namespaceSource, REAL_REVIEWS } from '../support/corpus.js';
import { assertPrototypesClean, nestedText, setOwn } from './hostile.js';
import type { FuzzOptions } from './review-core.js';

/** Discards log lines: the logging code runs, nothing is kept (the memory check needs that). */
const sink = new Writable({ write: (_chunk, _encoding, done) => done() });

function makeApp() {
  const { app } = buildApp({
    config: () => CONFIG,
    namespaces: namespaceSource(),
    logger: createLogger({ level: 'info', destination: sink }),
    metrics: new Metrics({ defaultMetrics: false }),
  });
  return app;
}

type App = ReturnType<typeof makeApp>;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  allowed: boolean | undefined;
  message: string;
}

async function send(app: App, path: string, payload: string | Buffer, contentType = 'application/json'): Promise<Answer> {
  const response = await app.inject({ method: 'POST', url: path, payload, headers: { 'content-type': contentType } });
  assert.ok(response.statusCode < 500, `no 5xx: ${response.statusCode} ${response.body.slice(0, 300)}`);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  const review = body['response'] as { allowed?: boolean; status?: { message?: string } } | undefined;
  if (response.statusCode === 200) {
    assert.equal(typeof review?.allowed, 'boolean', 'a 200 carries a decision');
  } else {
    assert.equal(typeof body['code'], 'string', 'an error is coded');
    assert.equal(review, undefined, 'an error carries no decision');
  }
  return { status: response.statusCode, body, allowed: review?.allowed, message: review?.status?.message ?? String(body['message'] ?? '') };
}

const reviewNamed = (name: string): JsonObject => structuredClone(REAL_REVIEWS.find((r) => r.name === name)!.review);
const requestOf = (review: JsonObject): JsonObject => review['request'] as JsonObject;
const objectOf = (review: JsonObject): JsonObject => requestOf(review)['object'] as JsonObject;

/** A pod review whose object carries `extra` under spec, for the size and depth cases. */
function podWith(spec: JsonObject, namespace = 'shop'): JsonObject {
  return reviewOf(pod({ serviceAccountName: 'web', ...spec }, { namespace }), { uid: 'big' });
}

/** A valid pod review padded with an annotation to exactly `bytes` bytes of JSON. */
function paddedTo(bytes: number): string {
  const review = reviewOf(pod({ serviceAccountName: 'web' }, { annotations: { pad: '' } }), { uid: 'padded' });
  const base = JSON.stringify(review).length;
  ((objectOf(review)['metadata'] as JsonObject)['annotations'] as JsonObject)['pad'] = 'x'.repeat(bytes - base);
  const text = JSON.stringify(review);
  assert.equal(Buffer.byteLength(text), bytes);
  return text;
}

interface Case {
  name: string;
  path: '/validate' | '/mutate';
  payload: () => string | Buffer;
  contentType?: string;
  check: (answer: Answer) => void;
}

const denied = (id: string) => (answer: Answer) => {
  assert.equal(answer.status, 200);
  assert.equal(answer.allowed, false, `expected a denial by ${id}`);
  assert.match(answer.message, new RegExp(id));
};
const refused = (code: string) => (answer: Answer) => {
  assert.notEqual(answer.status, 200);
  assert.equal(answer.body['code'], code);
};
const decided = (answer: Answer) => assert.equal(answer.status, 200);
const admitted = (answer: Answer) => {
  decided(answer);
  assert.equal(answer.allowed, true);
};

function pollution(): Case[] {
  const polluted = (build: (review: JsonObject) => void, name: string, base: string): (() => string) => () => {
    const review = reviewNamed(base);
    build(review);
    const text = JSON.stringify(review);
    assert.match(text, /"__proto__"|"constructor"/, `${name}: the hostile key is in the body`);
    return text;
  };
  return [
    {
      name: 'a request only in __proto__ at the top is no request',
      path: '/validate',
      payload: () => {
        const review = reviewNamed('pod with its own service account');
        const request = review['request'];
        delete review['request'];
        setOwn(review, '__proto__', { request });
        return JSON.stringify(review);
      },
      check: refused('REQUEST_MISSING'),
    },
    {
      name: '__proto__ in userInfo does not grant the groups it names',
      path: '/validate',
      payload: polluted((r) => setOwn(requestOf(r)['userInfo'] as JsonObject, '__proto__', { groups: ['ztgate:security-admins', 'system:masters'] }), 'userInfo', 'calico policy in the security tier by a non-owner'),
      check: denied('ZT-NET-003'),
    },
    {
      name: '__proto__ in the request does not make it a dry run nor move it to kube-system',
      path: '/validate',
      payload: polluted((r) => setOwn(requestOf(r), '__proto__', { dryRun: true, namespace: 'kube-system' }), 'request', 'pod on the default service account'),
      check: denied('ZT-POD-001'),
    },
    {
      name: '__proto__ in the pod spec does not supply a service account',
      path: '/validate',
      payload: polluted((r) => {
        const spec = objectOf(r)['spec'] as JsonObject;
        delete spec['serviceAccountName'];
        setOwn(spec, '__proto__', { serviceAccountName: 'web', serviceAccount: 'web' });
      }, 'spec', 'pod on the default service account'),
      check: denied('ZT-POD-001'),
    },
    {
      name: '__proto__ in a container does not hide privileged: true',
      path: '/validate',
      payload: polluted((r) => {
        const container = ((objectOf(r)['spec'] as JsonObject)['containers'] as JsonObject[])[0]!;
        setOwn(container, '__proto__', { securityContext: { privileged: false } });
      }, 'container', 'privileged pod'),
      check: denied('ZT-POD-003'),
    },
    {
      name: 'constructor.prototype keys in the object pollute nothing',
      path: '/mutate',
      payload: polluted((r) => {
        const metadata = objectOf(r)['metadata'] as JsonObject;
        setOwn(metadata, 'constructor', { prototype: { polluted: true, allowed: true } });
        setOwn(metadata['labels'] as JsonObject ?? (metadata['labels'] = {}), '__proto__', { 'istio-injection': 'disabled' });
      }, 'metadata', 'pod in the mesh'),
      check: decided,
    },
    {
      name: '__proto__ in labels of a mutated pod survives the clone and diff without touching any prototype',
      path: '/mutate',
      payload: polluted((r) => setOwn((objectOf(r)['metadata'] as JsonObject), '__proto__', { annotations: { 'sidecar.istio.io/inject': 'false' } }), 'metadata', 'deployment in the mesh'),
      check: (answer) => {
        decided(answer);
        assert.equal(answer.allowed, true);
      },
    },
  ];
}

function duplicates(): Case[] {
  const podText = (sa: string) => JSON.stringify(reviewOf(pod({ serviceAccountName: 'SA' }), { uid: 'dup' })).replace('"serviceAccountName":"SA"', sa);
  return [
    // Go's encoding/json, which the API server uses, also keeps the last of duplicate keys: no parser differential.
    { name: 'duplicate keys: the last serviceAccountName wins (default last → denied)', path: '/validate', payload: () => podText('"serviceAccountName":"web","serviceAccountName":"default"'), check: denied('ZT-POD-001') },
    {
      name: 'duplicate keys: the last serviceAccountName wins (web last → allowed)',
      path: '/validate',
      payload: () => podText('"serviceAccountName":"default","serviceAccountName":"web"'),
      check: (answer) => assert.equal(answer.allowed, true),
    },
    {
      name: 'duplicate uid: the echoed uid is the last one',
      path: '/validate',
      payload: () => JSON.stringify(reviewNamed('pod with its own service account')).replace('"uid":"pod-ok"', '"uid":"first","uid":"second"'),
      check: (answer) => assert.equal((answer.body['response'] as { uid: string }).uid, 'second'),
    },
    {
      name: 'duplicate request: the last one is reviewed',
      path: '/validate',
      payload: () => {
        const bad = JSON.stringify(requestOf(reviewNamed('pod with its own service account')));
        const worse = JSON.stringify(requestOf(reviewNamed('privileged pod')));
        return `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":${bad},"request":${worse}}`;
      },
      check: denied('ZT-POD-003'),
    },
  ];
}

function numbers(): Case[] {
  const runAs = (spelling: string): string =>
    JSON.stringify(reviewOf(pod({ serviceAccountName: 'web', securityContext: { runAsUser: 4242 } }), { uid: 'uid-spelling' })).replace('4242', spelling);
  const spellings = ['1337', '1337.0', '1.337e3', '13370e-1', '1337.00000000000001', '0.1337E4'];
  return [
    ...spellings.map((spelling): Case => ({ name: `the proxy UID spelled ${spelling} is still the proxy UID`, path: '/validate', payload: () => runAs(spelling), check: denied('ZT-POD-004') })),
    { name: 'a uid beyond 2^53 as a number is refused', path: '/validate', payload: () => JSON.stringify(reviewNamed('pod with its own service account')).replace('"uid":"pod-ok"', '"uid":9007199254740993'), check: refused('REQUEST_FIELD') },
    {
      name: 'an order of 1e400 (Infinity once parsed) in a policy is decided, not a crash',
      path: '/validate',
      payload: () => JSON.stringify(reviewNamed('calico policy in the security tier by an owner')).replace('"order":100', '"order":1e400'),
      check: decided,
    },
    { name: 'numbers beyond 2^53 everywhere in a pod are decided', path: '/mutate', payload: () => JSON.stringify(podWith({ priority: 0, terminationGracePeriodSeconds: 0 }, 'mesh')).replace('"priority":0', '"priority":18446744073709551617').replace('"terminationGracePeriodSeconds":0', '"terminationGracePeriodSeconds":-1e308'), check: decided },
  ];
}

const DEPTH = 10_000;

function depth(): Case[] {
  const deepIn = (place: (review: JsonObject, deep: unknown) => void, asArray = false) => () => {
    const review = reviewNamed('pod in the mesh');
    const marker = '"DEEP_MARKER"';
    place(review, 'DEEP_MARKER');
    return JSON.stringify(review).replace(marker, nestedText(DEPTH, asArray));
  };
  return [
    { name: `a body that is ${DEPTH} nested arrays`, path: '/validate', payload: () => nestedText(DEPTH, true), check: refused('REVIEW_NOT_OBJECT') },
    // The mesh Pod has no proxy yet: validation denies it (ZT-POD-006) however deep its spec goes.
    { name: `${DEPTH} levels in the pod spec (validate)`, path: '/validate', payload: deepIn((r, d) => ((objectOf(r)['spec'] as JsonObject)['x'] = d as never)), check: denied('ZT-POD-006') },
    // Mutation is allowed either way: injected, or skipped with a warning (fail open) if the depth defeats it.
    { name: `${DEPTH} levels in the pod spec (mutate: clone, inject, diff)`, path: '/mutate', payload: deepIn((r, d) => ((objectOf(r)['spec'] as JsonObject)['x'] = d as never)), check: admitted },
    { name: `${DEPTH} levels of arrays in a container`, path: '/mutate', payload: deepIn((r, d) => ((((objectOf(r)['spec'] as JsonObject)['containers'] as JsonObject[])[0]!)['args'] = d as never), true), check: decided },
    { name: `${DEPTH} levels in request.options`, path: '/validate', payload: deepIn((r, d) => (requestOf(r)['options'] = d as never)), check: decided },
    { name: `${DEPTH} levels in a label value`, path: '/validate', payload: deepIn((r, d) => ((objectOf(r)['metadata'] as JsonObject)['labels'] = { app: d as never })), check: decided },
    { name: `${DEPTH} levels in userInfo.extra`, path: '/validate', payload: deepIn((r, d) => ((requestOf(r)['userInfo'] as JsonObject)['extra'] = { x: d as never })), check: refused('REQUEST_FIELD') },
    { name: `${DEPTH} levels as request.kind`, path: '/validate', payload: deepIn((r, d) => (requestOf(r)['kind'] = d as never)), check: refused('REQUEST_FIELD') },
    { name: `${DEPTH} levels in a policy rule`, path: '/validate', payload: () => JSON.stringify(reviewNamed('calico policy in the security tier by an owner')).replace('"protocol":"TCP"', `"protocol":"TCP","http":${nestedText(DEPTH)}`), check: decided },
  ];
}

function size(): Case[] {
  const many = (count: number, make: (i: number) => unknown): never[] => Array.from({ length: count }, (_, i) => make(i)) as never[];
  return [
    { name: '60,000 containers (validate)', path: '/validate', payload: () => JSON.stringify(podWith({ containers: many(60_000, (i) => ({ name: `c${i}`, image: 'x' })) })), check: decided },
    { name: '60,000 containers in the mesh (mutate)', path: '/mutate', payload: () => JSON.stringify(podWith({ containers: many(60_000, (i) => ({ name: `c${i}`, image: 'x' })) }, 'mesh')), check: decided },
    { name: '100,000 env entries', path: '/mutate', payload: () => JSON.stringify(podWith({ containers: [{ name: 'a', image: 'x', env: many(100_000, (i) => ({ name: `E${i}`, value: '1' })) }] }, 'mesh')), check: decided },
    {
      name: '50,000 labels',
      path: '/mutate',
      payload: () => {
        const review = reviewNamed('pod in the mesh');
        (objectOf(review)['metadata'] as JsonObject)['labels'] = Object.fromEntries(many(50_000, (i) => [`l${i}`, 'v'] as const) as [string, string][]);
        return JSON.stringify(review);
      },
      check: decided,
    },
    {
      name: '20,000 ingress rules in a policy',
      path: '/validate',
      payload: () => {
        const review = reviewNamed('calico policy in the security tier by an owner');
        const spec = objectOf(review)['spec'] as JsonObject;
        spec['ingress'] = many(20_000, (i) => ({ action: 'Allow', protocol: 'TCP', source: { selector: `app == "a${i}"`, serviceAccounts: { names: ['web'] } }, destination: { ports: [i % 65535 + 1] } })) as never;
        return JSON.stringify(review);
      },
      check: decided,
    },
    { name: '300,000 groups in userInfo', path: '/validate', payload: () => {
      const review = reviewNamed('calico policy in the security tier by a non-owner');
      (requestOf(review)['userInfo'] as JsonObject)['groups'] = many(300_000, (i) => `g${i}`) as never;
      return JSON.stringify(review);
    }, check: denied('ZT-NET-003') },
    { name: 'a body of exactly 7 MiB is decided', path: '/validate', payload: () => paddedTo(BODY_LIMIT_BYTES), check: decided },
    { name: 'one byte over 7 MiB is refused', path: '/validate', payload: () => paddedTo(BODY_LIMIT_BYTES + 1), check: refused('BODY_TOO_LARGE') },
    { name: '32 MiB is refused', path: '/mutate', payload: () => Buffer.alloc(32 * 1024 * 1024, 0x7b), check: refused('BODY_TOO_LARGE') },
  ];
}

function encoding(): Case[] {
  const base = JSON.stringify(reviewNamed('pod on the default service account'));
  const splice = (marker: string, bytes: number[]): Buffer => {
    const at = base.indexOf(marker);
    assert.ok(at > 0, marker);
    return Buffer.concat([Buffer.from(base.slice(0, at)), Buffer.from(bytes), Buffer.from(base.slice(at))]);
  };
  return [
    { name: 'invalid UTF-8 inside a string value is decided (as U+FFFD)', path: '/validate', payload: () => splice('web-0', [0xff, 0xfe, 0xc0, 0xaf]), check: denied('ZT-POD-001') },
    { name: 'an overlong quote (0xC0 0xA2) cannot end a string early', path: '/validate', payload: () => splice('web-0', [0xc0, 0xa2, 0x2c]), check: denied('ZT-POD-001') },
    { name: 'invalid UTF-8 between tokens is refused', path: '/validate', payload: () => splice('"kind":"AdmissionReview"', [0xff]), check: refused('BODY_NOT_JSON') },
    { name: 'a byte-order mark is refused, not guessed around', path: '/validate', payload: () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(base)]), check: refused('BODY_NOT_JSON') },
    { name: 'a lone surrogate escape in the name is decided and answered as JSON', path: '/validate', payload: () => base.replace('"name":"web-0"', '"name":"\\ud800web"'), check: denied('ZT-POD-001') },
    { name: 'NUL and control escapes in names are decided', path: '/mutate', payload: () => base.replace('"name":"web-0"', '"name":"\\u0000\\u001b[31m"'), check: decided },
    { name: 'a body that is not declared as JSON is refused', path: '/validate', payload: () => base, contentType: 'text/plain', check: refused('UNSUPPORTED_MEDIA_TYPE') },
    { name: 'an empty body is refused', path: '/validate', payload: () => '', check: refused('BODY_NOT_JSON') },
  ];
}

const SLOW = new Set(['60,000 containers in the mesh (mutate)', '100,000 env entries', '50,000 labels']);

export const CASE_GROUPS = { pollution, duplicates, numbers, depth, size, encoding };
export type CaseGroup = keyof typeof CASE_GROUPS;

export interface CaseResult {
  name: string;
  status: number;
  ms: number;
}

const HEALTHY = JSON.stringify(reviewOf(pod({ serviceAccountName: 'web' }), { uid: 'healthy' }));

async function runCase(app: App, item: Case): Promise<CaseResult> {
  const payload = item.payload();
  const started = performance.now();
  const answer = await send(app, item.path, payload, item.contentType);
  const ms = performance.now() - started;
  try {
    item.check(answer);
  } catch (error) {
    throw new Error(`${item.name}: ${(error as Error).message}`);
  }
  assertPrototypesClean();
  return { name: item.name, status: answer.status, ms };
}

/** One group of hostile cases; after each, an ordinary review must still be answered. */
export async function hostileGroup(group: CaseGroup): Promise<CaseResult[]> {
  const app = makeApp();
  const results: CaseResult[] = [];
  for (const item of CASE_GROUPS[group]()) {
    results.push(await runCase(app, item));
    const next = await send(app, '/validate', HEALTHY);
    assert.equal(next.allowed, true, `after "${item.name}" an ordinary review is still served`);
  }
  await app.close();
  return results;
}

/** Random bytes and random JSON through the app: a coded refusal or a decision, never a 5xx. */
export async function randomPayloads(options: FuzzOptions): Promise<{ inputs: number; statuses: Record<string, number> }> {
  const app = makeApp();
  const statuses: Record<string, number> = {};
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
    fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'),
    fc.tuple(fc.constantFrom(...REAL_REVIEWS.map((r) => JSON.stringify(r.review))), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([text, cut, bytes]) => {
      const at = cut % text.length;
      return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bytes), Buffer.from(text.slice(at))]);
    }),
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('/validate', '/mutate'), payload, async (path, body) => {
      const answer = await send(app, path, body);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      // A decision only ever answers a body that is JSON holding an envelope the decoder accepts.
      if (answer.status === 200) decodeReview(JSON.parse(Buffer.from(body).toString('utf8')));
      assertPrototypesClean();
    }),
    { numRuns: options.runs, seed: options.seed },
  );
  await app.close();
  return { inputs: options.runs, statuses };
}

/**
 * Heap after a full garbage collection, before and after pushing every hostile case through the app
 * `rounds` times (a warm-up round first fills the bounded caches). gc comes from V8's flag set at run
 * time, which works inside a worker without --expose-gc on the command line.
 */
export async function heapAfterHostileRounds(rounds: number): Promise<{ baselineBytes: number; afterBytes: number; processedBytes: number }> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const collect = (): number => {
    for (let i = 0; i < 3; i++) gc();
    return getHeapStatistics().used_heap_size;
  };
  const app = makeApp();
  // The multi-second mutations are left out: they add time, not evidence (the 7 MiB and 32 MiB bodies carry the volume).
  const cases = (Object.keys(CASE_GROUPS) as CaseGroup[]).flatMap((group) => CASE_GROUPS[group]()).filter((item) => !SLOW.has(item.name));
  let processedBytes = 0;
  const round = async (): Promise<void> => {
    for (const item of cases) {
      const payload = item.payload();
      processedBytes += Buffer.byteLength(payload);
      await send(app, item.path, payload, item.contentType);
    }
  };
  await round();
  const baselineBytes = collect();
  processedBytes = 0;
  for (let i = 0; i < rounds; i++) await round();
  const afterBytes = collect();
  await app.close();
  return { baselineBytes, afterBytes, processedBytes };
}
