import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultConfig, parseConfig } from '../../src/config/parse.js';
import { StaticNamespaceSource } from '../../src/facts/static.js';
import { firstUidSpan, keepMutation, lookUpMutation, replayMutation, replicaSpans } from '../../src/review/mutation-replay.js';
import { runReview, runReviewText, type ReviewDeps, type ReviewOutcome } from '../../src/review/review.js';
import type { JsonObject } from '../../src/util/json.js';
import { namespace } from '../support/app.js';
import { pod, reviewOf } from '../support/reviews.js';

const MESH = { 'istio-injection': 'enabled' };
const meshOnly = new StaticNamespaceSource([namespace('shop', MESH)]);
const meshLess = new StaticNamespaceSource([namespace('shop')]);

function deps(overrides: Partial<ReviewDeps> = {}): ReviewDeps {
  return { config: defaultConfig(), namespaces: meshOnly, now: new Date('2026-11-23T00:00:00Z'), ...overrides };
}

/** A replica as the API server sends it: generateName, no name yet. */
function replica(extra: JsonObject = {}): JsonObject {
  return pod({ serviceAccountName: 'web', ...extra }, { generateName: 'web-7d9f-', labels: { app: 'web' } });
}

const uid = (n: number): string => `705ab4f5-6393-11e8-b7cc-${String(n).padStart(12, '0')}`;

function textOf(object: JsonObject, requestUid: string, options: Parameters<typeof reviewOf>[1] = {}): string {
  return JSON.stringify(reviewOf(object, { ...options, uid: requestUid }));
}

function mutateText(text: string, reviewDeps: ReviewDeps) {
  const outcome = runReviewText('mutate', text, reviewDeps);
  assert.ok(outcome.ok, JSON.stringify(outcome.body));
  return outcome;
}

/** What the server sends for an outcome. */
function wire(outcome: ReturnType<typeof mutateText>): string {
  return outcome.encoded ?? JSON.stringify(outcome.body);
}

/** Two sightings: the first is noted, the second kept, so the next identical request is replayed. */
function prime(text: (requestUid: string) => string, reviewDeps: ReviewDeps): void {
  mutateText(text(uid(101)), reviewDeps);
  mutateText(text(uid(102)), reviewDeps);
}

/** The answer decided from scratch (parsed, no memo), as the CLI gives it. */
function fresh(text: string): string {
  const outcome = runReview('mutate', JSON.parse(text), deps());
  assert.ok(outcome.ok);
  return JSON.stringify(outcome.body);
}

describe('mutation replay: replicas of one template', () => {
  test('from the third identical request on, the answer is replayed: same patch, its own uid, counted, byte-identical', () => {
    const shared = deps();
    const first = mutateText(textOf(replica(), uid(1)), shared);
    const kept = mutateText(textOf(replica(), uid(3)), shared);
    const second = mutateText(textOf(replica(), uid(2)), shared);
    assert.equal(first.recalled, undefined, 'the first sighting is only noted');
    assert.equal(kept.recalled, undefined, 'the second is decided and kept');
    assert.equal(wire(kept), fresh(textOf(replica(), uid(3))), 'the encoding made while keeping is the answer sent');
    assert.equal(second.recalled, true);
    assert.ok(first.response.patch, 'the first replica was injected');
    assert.equal(second.response.patch, first.response.patch);
    assert.equal(second.response.uid, uid(2));
    assert.equal(second.body.response.uid, uid(2));
    assert.equal(second.request.uid, uid(2), 'logs and metrics see the new request');
    assert.equal(second.mutated, true);
    assert.equal(wire(second), fresh(textOf(replica(), uid(2))));
    assert.equal(wire(second), JSON.stringify(second.body));
  });

  test('a replayed answer equals a fresh one, byte for byte, for every shape that changes the decision', () => {
    const cases: Array<[string, JsonObject]> = [
      ['plain replica', replica()],
      ['injection disabled by label', pod({ serviceAccountName: 'web' }, { generateName: 'x-', labels: { 'sidecar.istio.io/inject': 'false' } })],
      ['invalid injection annotation (denied)', pod({ serviceAccountName: 'web' }, { generateName: 'x-', annotations: { 'sidecar.istio.io/proxyCPU': 'lots' } })],
      ['hostNetwork', replica({ hostNetwork: true })],
      ['probes rewritten', replica({ containers: [{ name: 'app', image: 'a', readinessProbe: { httpGet: { path: '/ready', port: 8080 } } }] })],
    ];
    for (const [name, object] of cases) {
      const shared = deps();
      prime((u) => textOf(object, u), shared);
      const replayed = mutateText(textOf(object, uid(2)), shared);
      assert.equal(replayed.recalled, true, name);
      assert.equal(wire(replayed), fresh(textOf(object, uid(2))), name);
    }
    const denied = mutateText(textOf(cases[2]![1], uid(3)), deps());
    assert.equal(denied.response.allowed, false, 'the denial case is a denial');
  });

  test('anything else that differs is decided afresh: object, user, operation, dry run, config', () => {
    const config = defaultConfig();
    const shared = deps({ config });
    prime((u) => textOf(replica(), u), shared);
    assert.equal(mutateText(textOf(replica(), uid(1)), shared).recalled, true, 'the same request is replayed');
    const variants: Array<[string, string, ReviewDeps]> = [
      ['another object', textOf(replica({ priority: 1 }), uid(2)), shared],
      ['another user', textOf(replica(), uid(2), { userInfo: { username: 'bob', groups: [] } }), shared],
      ['another operation', textOf(replica(), uid(2), { operation: 'UPDATE', oldObject: replica() }), shared],
      ['a dry run', textOf(replica(), uid(2), { dryRun: true }), shared],
      ['another config', textOf(replica(), uid(2)), deps({ config: defaultConfig() })],
    ];
    for (const [name, text, reviewDeps] of variants) {
      assert.equal(mutateText(text, reviewDeps).recalled, undefined, name);
    }
  });

  test("the namespace's labels are compared on every replay: a namespace leaving the mesh is not injected", () => {
    const config = defaultConfig();
    const namespaces = new StaticNamespaceSource([namespace('shop', MESH)]);
    prime((u) => textOf(replica(), u), deps({ config, namespaces }));
    namespaces.add(namespace('shop'));
    const after = mutateText(textOf(replica(), uid(2)), deps({ config, namespaces }));
    assert.equal(after.recalled, undefined);
    const outside = runReview('mutate', reviewOf(replica(), { uid: uid(2) }), deps({ namespaces: meshLess }));
    assert.ok(outside.ok);
    assert.equal(wire(after), JSON.stringify(outside.body));
    assert.doesNotMatch(Buffer.from(after.response.patch ?? '', 'base64').toString(), /istio-proxy/, 'no sidecar outside the mesh');
    mutateText(textOf(replica(), uid(3)), deps({ config, namespaces: meshLess }));
    assert.equal(mutateText(textOf(replica(), uid(4)), deps({ config, namespaces: meshLess })).recalled, true, 'the new answer is kept in turn');
  });

  test('changing a replayed response does not change the next one', () => {
    const shared = deps();
    prime((u) => textOf(replica(), u), shared);
    const replayed = mutateText(textOf(replica(), uid(2)), shared);
    assert.equal(replayed.recalled, true);
    replayed.response.warnings = ['tampered'];
    replayed.response.auditAnnotations!['x'] = 'tampered';
    const again = mutateText(textOf(replica(), uid(3)), shared);
    assert.equal(again.response.warnings, undefined);
    assert.equal(again.response.auditAnnotations!['x'], undefined);
    assert.equal(wire(again), fresh(textOf(replica(), uid(3))));
  });

  test('a config built by hand (not frozen) is never cached against', () => {
    const shared = deps({ config: { ...defaultConfig() } });
    prime((u) => textOf(replica(), u), shared);
    assert.equal(mutateText(textOf(replica(), uid(2)), shared).recalled, undefined);
  });

  test('requests over 64 KiB are decided afresh every time', () => {
    const big = replica({ containers: [{ name: 'app', image: 'a', env: [{ name: 'BLOB', value: 'x'.repeat(70 * 1024) }] }] });
    const shared = deps();
    prime((u) => textOf(big, u), shared);
    assert.equal(mutateText(textOf(big, uid(2)), shared).recalled, undefined);
  });

  test('a system namespace stays skipped, replayed or not', () => {
    const config = parseConfig({}, 'test');
    const shared = deps({ config, namespaces: new StaticNamespaceSource([namespace('kube-system', MESH)]) });
    const object = pod({}, { namespace: 'kube-system' });
    const first = mutateText(textOf(object, uid(1)), shared);
    mutateText(textOf(object, uid(3)), shared);
    const second = mutateText(textOf(object, uid(2)), shared);
    assert.equal(second.recalled, true);
    assert.equal(second.skipped, first.skipped);
    assert.equal(second.response.patch, undefined);
  });

  test('the validating webhook never replays', () => {
    const shared = deps();
    runReviewText('validate', textOf(replica(), uid(1)), shared);
    runReviewText('validate', textOf(replica(), uid(3)), shared);
    const second = runReviewText('validate', textOf(replica(), uid(2)), shared);
    assert.ok(second.ok);
    assert.equal(second.recalled, undefined);
  });
});

/**
 * A replica as a real API server sends it to a mutating webhook (seen against kube-apiserver in the e2e
 * suite): the field manager's entry with the time of the create, to the second, and the token volume
 * the ServiceAccount plugin names with five random characters, mounted by every container.
 */
function servedReplica(suffix: string, time: string, extra: JsonObject = {}): JsonObject {
  const token = `kube-api-access-${suffix}`;
  const mount = { name: token, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true };
  const app = { name: 'app', image: 'registry.example/app:1.0', volumeMounts: [mount], ...(extra['app'] as JsonObject | undefined) };
  const { app: _app, annotations: _annotations, ...spec } = extra;
  const object = pod(
    {
      ...spec,
      serviceAccountName: 'web',
      containers: [app, { name: 'logs', image: 'registry.example/logs:2', volumeMounts: [mount] }],
      volumes: [{ name: 'cache', emptyDir: {} }, { name: token, projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } }],
    },
    {
      generateName: 'web-7d9f-',
      labels: { app: 'web', 'pod-template-hash': '7d9f' },
      ...(extra['annotations'] ? { annotations: extra['annotations'] } : {}),
      managedFields: [
        {
          manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time, fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {} } } } },
        },
      ],
    },
  );
  delete (object['metadata'] as JsonObject)['name'];
  return object;
}

const SUFFIXES = ['6kw9t', '9nrks', 'ghf2n', '6mbwl', 'x2z4q'];
const TIMES = ['2026-11-24T19:03:22Z', '2026-11-24T19:03:24Z', '2026-11-24T19:04:01Z', '2026-11-24T20:00:00Z', '2026-11-25T00:00:59Z'];

describe('mutation replay: replicas as the API server sends them', () => {
  const shapes: Array<[string, JsonObject, { patchNamesToken: boolean }]> = [
    ['plain replica', {}, { patchNamesToken: false }],
    ['probes rewritten', { app: { readinessProbe: { httpGet: { path: '/ready', port: 8080 } } } }, { patchNamesToken: false }],
    // The classic layout appends istio-proxy to the containers, so the rewritten container is sent
    // whole in the patch, its token mount with it: the kept patch is re-encoded with each new name.
    [
      'probes rewritten, classic layout',
      { annotations: { 'sidecar.istio.io/nativeSidecar': 'false' }, app: { readinessProbe: { httpGet: { path: '/ready', port: 8080 } } } },
      { patchNamesToken: true },
    ],
    ['hostNetwork', { hostNetwork: true }, { patchNamesToken: false }],
  ];
  for (const [name, extra, { patchNamesToken }] of shapes) {
    test(`${name}: replicas differing in uid, managedFields time and token volume are replayed, byte-identical to a fresh decision`, () => {
      const shared = deps();
      const replicaText = (i: number): string => textOf(servedReplica(SUFFIXES[i]!, TIMES[i]!, extra), uid(i));
      const outcomes = SUFFIXES.map((_, i) => mutateText(replicaText(i), shared));
      assert.deepEqual(outcomes.map((o) => o.recalled ?? false), [false, false, true, true, true]);
      for (const [i, outcome] of outcomes.entries()) {
        assert.equal(wire(outcome), fresh(replicaText(i)), `replica ${i}`);
        assert.equal(outcome.response.uid, uid(i));
      }
      const patch = Buffer.from(outcomes[4]!.response.patch ?? '', 'base64').toString();
      assert.equal(patch.includes(`kube-api-access-${SUFFIXES[4]}`), patchNamesToken, 'whether the patch carries the token name');
      assert.ok(!patch.includes(`kube-api-access-${SUFFIXES[1]}`), 'never the kept replica\'s name');
    });
  }

  test('a replica that mounts a token name other than its volume\'s is decided afresh', () => {
    const shared = deps();
    for (let i = 0; i < 3; i++) mutateText(textOf(servedReplica(SUFFIXES[i]!, TIMES[i]!), uid(i)), shared);
    const odd = servedReplica(SUFFIXES[3]!, TIMES[3]!);
    const volumes = (odd['spec'] as { volumes: JsonObject[] }).volumes;
    volumes[1]!['name'] = 'kube-api-access-zzzzz';
    const outcome = mutateText(textOf(odd, uid(3)), shared);
    assert.equal(outcome.recalled, undefined);
    assert.equal(wire(outcome), fresh(textOf(odd, uid(3))));
  });

  const neverKept: Array<[string, (suffix: string, time: string) => JsonObject]> = [
    ['the token prefix also in an env value', (suffix, time) => {
      const object = servedReplica(suffix, time);
      ((object['spec'] as { containers: JsonObject[] }).containers[0]!)['env'] = [{ name: 'VOLUME', value: `kube-api-access-${suffix}` }];
      return object;
    }],
    ['the token name as a label key', (suffix, time) => {
      const object = servedReplica(suffix, time);
      ((object['metadata'] as { labels: JsonObject }).labels)[`kube-api-access-${suffix}`] = 'x';
      return object;
    }],
    ['the token prefix inside another string, the same in every replica', (suffix, time) => {
      const object = servedReplica(suffix, time);
      ((object['spec'] as { containers: JsonObject[] }).containers[0]!)['env'] = [{ name: 'NOTE', value: 'see kube-api-access-xxxxx' }];
      return object;
    }],
    ['a "time" outside managedFields', (suffix, time) => {
      const object = servedReplica(suffix, time);
      (object['metadata'] as JsonObject)['annotations'] = { time };
      return object;
    }],
  ];
  for (const [name, make] of neverKept) {
    test(`${name}: never kept, so every replica is decided afresh`, () => {
      const shared = deps();
      for (let i = 0; i < SUFFIXES.length; i++) {
        const text = textOf(make(SUFFIXES[i]!, TIMES[i]!), uid(i));
        const outcome = mutateText(text, shared);
        assert.equal(outcome.recalled, undefined, `replica ${i}`);
        assert.equal(wire(outcome), fresh(text), `replica ${i}`);
      }
    });
  }
});

describe('mutation replay: the second decision made when keeping', () => {
  function keepWith(decideAgain: (body: unknown) => ReviewOutcome): boolean {
    const shared = deps();
    const texts = [0, 1, 2].map((i) => textOf(servedReplica(SUFFIXES[i]!, TIMES[i]!), uid(i)));
    for (const text of texts.slice(0, 2)) {
      const lookup = lookUpMutation(text, shared.config)!;
      keepMutation(lookup, text, runReview('mutate', JSON.parse(text), shared), shared, decideAgain);
    }
    const lookup = lookUpMutation(texts[2]!, shared.config)!;
    return replayMutation(lookup, texts[2]!, shared) !== undefined;
  }

  test('an answer is kept when deciding the request again with other uid, times and token name agrees', () => {
    assert.equal(keepWith((body) => runReview('mutate', body, deps())), true);
  });

  test('an answer that the other values would change is never kept', () => {
    const probes: JsonObject[] = [];
    const kept = keepWith((body) => {
      probes.push(body as JsonObject);
      const outcome = runReview('mutate', body, deps());
      if (outcome.ok) outcome.body.response.warnings = ['read the token name'];
      return outcome;
    });
    assert.equal(kept, false);
    const probe = JSON.stringify(probes[0]);
    assert.match(probe, /"uid":"ztgate-probe-/, 'another uid');
    assert.match(probe, /"time":"1970-01-01T00:00:00Z"/, 'another time');
    assert.match(probe, /kube-api-access-zzzzz/, 'another token name');
    assert.doesNotMatch(probe, new RegExp(`${SUFFIXES[1]}|${TIMES[1]}`), 'none of the kept values');
  });

  test('an answer whose second decision fails is not kept', () => {
    assert.equal(keepWith(() => ({ ok: false, httpStatus: 400, body: { code: 'BODY_NOT_JSON', message: 'x' } })), false);
  });

  /** Replicas 0..count-1 decided in turn through the memo; how many second decisions were made, and which replicas were replayed. */
  function replicasWith(count: number, decideAgain: (body: unknown, call: number) => ReviewOutcome): { calls: number; replayed: number[] } {
    const shared = deps();
    let calls = 0;
    const replayed: number[] = [];
    for (let i = 0; i < count; i++) {
      const text = textOf(servedReplica(SUFFIXES[i % SUFFIXES.length]!, TIMES[i % TIMES.length]!), uid(i));
      const lookup = lookUpMutation(text, shared.config)!;
      if (replayMutation(lookup, text, shared)) {
        replayed.push(i);
        continue;
      }
      keepMutation(lookup, text, runReview('mutate', JSON.parse(text), shared), shared, (body) => decideAgain(body, ++calls));
    }
    return { calls, replayed };
  }

  test('a disagreement is final: later replicas are decided once each, never twice', () => {
    const disagreeing = replicasWith(5, (body) => {
      const outcome = runReview('mutate', body, deps());
      if (outcome.ok) outcome.body.response.warnings = ['read the token name'];
      return outcome;
    });
    assert.deepEqual(disagreeing, { calls: 1, replayed: [] });
  });

  test('a second decision that failed (an error, the deadline) is tried again at the next replica', () => {
    const flaky = replicasWith(5, (body, call) =>
      call === 1 ? { ok: false, httpStatus: 400, body: { code: 'BODY_NOT_JSON', message: 'x' } } : runReview('mutate', body, deps()),
    );
    assert.deepEqual(flaky, { calls: 2, replayed: [3, 4] });
  });
});

describe('mutation replay: texts that must not be replayed', () => {
  /** Sends the first text twice (so it would be kept), then the second; returns the second's outcome. */
  function afterKeeping(first: string, second: string) {
    const shared = deps();
    mutateText(first, shared);
    mutateText(first, shared);
    return runReviewText('mutate', second, shared);
  }

  test('a uid that is not made of UUID characters is decided afresh, every time', () => {
    for (const odd of ['uid with spaces', 'ünïcode', 'quote"inside', 'back\\slash', 'tab\there']) {
      const outcome = afterKeeping(textOf(replica(), odd), textOf(replica(), odd));
      assert.ok(outcome.ok, odd);
      assert.equal(outcome.recalled, undefined, odd);
      assert.equal(outcome.response.uid, odd);
    }
  });

  test('a Pod text written with spaces is decided every time (only compact texts, as the API server sends, are looked up)', () => {
    const spaced = (requestUid: string): string => JSON.stringify(reviewOf(replica(), { uid: requestUid }), null, 1);
    const outcome = afterKeeping(spaced(uid(1)), spaced(uid(2)));
    assert.ok(outcome.ok);
    assert.equal(outcome.recalled, undefined);
    assert.equal(wire(outcome), fresh(spaced(uid(2))));
  });

  test('a uid that other text of the answer repeats (too short to be unique) is never kept', () => {
    const outcome = afterKeeping(textOf(replica(), 'a'), textOf(replica(), 'a'));
    assert.ok(outcome.ok);
    assert.equal(outcome.recalled, undefined);
  });

  test('when the first "uid" of the text is not request.uid, nothing is kept', () => {
    const decoy = (requestUid: string, decoyUid: string): string => {
      const review = reviewOf(replica(), { uid: requestUid });
      return JSON.stringify({ metadata: { uid: decoyUid }, ...review });
    };
    // Same decoy and request uid in the first text: only the probe parse tells them apart.
    const outcome = afterKeeping(decoy(uid(1), uid(1)), decoy(uid(1), uid(9)));
    assert.ok(outcome.ok);
    assert.equal(outcome.recalled, undefined);
    assert.equal(outcome.response.uid, uid(1));
  });

  test('a text that differs from a kept one only around the uid is parsed, not replayed', () => {
    const kept = textOf(replica(), uid(1));
    const span = firstUidSpan(kept)!;
    const splice = (value: string): string => `${kept.slice(0, span.start)}${value}${kept.slice(span.end)}`;
    const cases: Array<[string, string, 'ok' | 'BODY_NOT_JSON']> = [
      ['the uid runs into an injected field', splice(`${uid(2)}","dryRun":true,"x":"`), 'ok'],
      ['an escaped quote ends the uid early', splice(`${uid(2)}\\"`), 'ok'],
      ['the uid is cut short, breaking the JSON', splice(uid(2).slice(0, 8)).replace(`${uid(2).slice(0, 8)}"`, uid(2).slice(0, 8)), 'BODY_NOT_JSON'],
    ];
    for (const [name, text, expected] of cases) {
      const outcome = afterKeeping(kept, text);
      if (expected === 'ok') {
        assert.ok(outcome.ok, name);
        assert.equal(outcome.recalled, undefined, name);
      } else {
        assert.equal(outcome.ok, false, name);
        assert.equal(outcome.body.code, expected, name);
      }
    }
  });

  test('broken JSON gets a coded error that says where', () => {
    const outcome = runReviewText('mutate', '{"apiVersion": ', deps());
    assert.equal(outcome.ok, false);
    assert.equal(outcome.httpStatus, 400);
    assert.equal(outcome.body.code, 'BODY_NOT_JSON');
    assert.match(outcome.body.message, /not valid JSON/);
  });
});

describe('where the uid is found without parsing', () => {
  const table: Array<[string, string | undefined]> = [
    ['{"request":{"uid":"abc-123"}}', 'abc-123'],
    ['{"request":{"uid":"abc 123"}}', undefined],
    ['{"request":{"uid":""}}', undefined],
    ['{"request":{"uid":"abc', undefined],
    ['{"request":{"uid": "abc"}}', undefined],
    ['{"request":{}}', undefined],
    [`{"request":{"uid":"${'a'.repeat(129)}"}}`, undefined],
    [`{"request":{"uid":"${'a'.repeat(128)}"}}`, 'a'.repeat(128)],
  ];
  for (const [text, expected] of table) {
    test(`${text.slice(0, 40)} → ${expected === undefined ? 'none' : expected.slice(0, 12)}`, () => {
      const span = firstUidSpan(text);
      assert.equal(span && text.slice(span.start, span.end), expected);
    });
  }
});

describe('where the values that differ between replicas are found without parsing', () => {
  const U = '{"request":{"uid":"abc-1",';
  const table: Array<[string, string, { times: string[]; tokens: string[] } | undefined]> = [
    ['a managedFields time', `${U}"time":"2026-11-24T19:03:22Z","fieldsType":"FieldsV1"}}`, { times: ['2026-11-24T19:03:22Z'], tokens: [] }],
    [
      'two entries',
      `${U}"a":[{"time":"2026-11-24T19:03:22Z","fieldsType":"FieldsV1"},{"time":"2027-01-01T00:00:00Z","fieldsType":"FieldsV1"}]}}`,
      { times: ['2026-11-24T19:03:22Z', '2027-01-01T00:00:00Z'], tokens: [] },
    ],
    ['a time not followed by fieldsType (not how the API server writes an entry)', `${U}"time":"2026-11-24T19:03:22Z"}}`, { times: [], tokens: [] }],
    ['another field before fieldsType', `${U}"when":"2026-11-24T19:03:22Z","fieldsType":"FieldsV1"}}`, { times: [], tokens: [] }],
    ['a time with a fraction of a second (not what the API server writes)', `${U}"time":"2026-11-24T19:03:22.5Z","fieldsType":"FieldsV1"}}`, { times: [], tokens: [] }],
    ['a time cut short', `${U}"time":"2026-11-24T19:03:2Z","fieldsType":"FieldsV1"}}`, { times: [], tokens: [] }],
    ['letters where digits go', `${U}"time":"2026-11-24T19:0a:22Z","fieldsType":"FieldsV1"}}`, { times: [], tokens: [] }],
    ['at the start of the text', `Z","fieldsType":"FieldsV1"}}`, undefined],
    ['the token volume and its mount', `${U}"volumes":[{"name":"kube-api-access-6kw9t"}],"m":[{"name":"kube-api-access-6kw9t"}]}}`, { times: [], tokens: ['6kw9t', '6kw9t'] }],
    ['an escaped quote before the name (inside another string)', `${U}"a":"x \\"kube-api-access-6kw9t\\""}}`, { times: [], tokens: [] }],
    ['no quote before the name', `${U}"a":"x kube-api-access-6kw9t"}}`, { times: [], tokens: [] }],
    ['six characters', `${U}"name":"kube-api-access-6kw9tt"}}`, { times: [], tokens: [] }],
    ['upper case', `${U}"name":"kube-api-access-6KW9T"}}`, { times: [], tokens: [] }],
    ['two different token names', `${U}"v":"kube-api-access-6kw9t","w":"kube-api-access-9nrks"}}`, undefined],
    ['no uid', '{"request":{"time":"2026-11-24T19:03:22Z"}}', undefined],
  ];
  for (const [name, text, expected] of table) {
    test(name, () => {
      const spans = replicaSpans(text);
      const values = spans && {
        times: spans.times.map((s) => text.slice(s.start, s.end)),
        tokens: spans.tokenNames.map((s) => text.slice(s.start, s.end)),
      };
      assert.deepEqual(values, expected);
      if (spans) assert.deepEqual(spans.all.map((s) => s.start), [spans.uid, ...spans.times, ...spans.tokenNames].map((s) => s.start).sort((a, b) => a - b));
    });
  }
});
