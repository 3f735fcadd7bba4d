import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Heartbeat } from '../../src/kube/certs/layout.js';
import type { CaState, Observed, ServingState, WebhookState } from '../../src/kube/certs/observe.js';
import { planNextStep, type CertificatePolicy, type Step } from '../../src/kube/certs/plan.js';
import { parseHosts, serviceHosts } from '../../src/tls/hosts.js';
import type { CertificateFacts } from '../../src/tls/inspect.js';

const NOW = new Date('2031-06-01T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

const HOSTS = serviceHosts('ztgate', 'ztgate-system');
const POLICY: CertificatePolicy = {
  replica: 'a',
  hosts: parseHosts(HOSTS),
  caRenewBeforeMs: 365 * DAY,
  servingRenewBeforeMs: 30 * DAY,
  resyncMs: 5 * MIN,
  heartbeatEveryMs: HOUR,
  heartbeatStaleMs: 3 * HOUR,
  caPropagationMs: 2 * MIN,
};

/** Facts without a real certificate: the plan only looks at fingerprints, dates and names. */
function facts(fingerprint: string, notAfter: Date, isCa: boolean, dnsNames: string[] = []): CertificateFacts {
  return { pem: `PEM(${fingerprint})\n`, fingerprint, subject: `CN=${fingerprint}`, notBefore: at(-400 * DAY), notAfter, isCa, dnsNames, ipAddresses: [] };
}

const CA1 = facts('ca1', at(9 * 365 * DAY), true);
const CA0 = facts('ca0', at(200 * DAY), true);
const CA_EXPIRED = facts('ca-old', at(-DAY), true);
const S1 = facts('s1', at(200 * DAY), false, HOSTS);
const S0 = facts('s0', at(200 * DAY), false, HOSTS);

const beat = (cert: string, ca: string, ageMs: number): Heartbeat => ({ cert, ca, at: at(-ageMs) });

function caOk(over: Partial<Extract<CaState, { status: 'ok' }>> = {}): CaState {
  return { status: 'ok', current: CA1, keyPem: 'KEY', trusted: [CA1], trustDamaged: false, rotatedAt: at(-100 * DAY), ...over };
}

function servingOk(over: Partial<Extract<ServingState, { status: 'ok' }>> = {}): ServingState {
  return { status: 'ok', cert: S1, certPem: S1.pem, keyPem: 'KEY', issuer: 'ca1', replicas: { a: beat('s1', 'ca1', 10 * MIN) }, ...over };
}

const KNOWN_CAS = new Map([CA1, CA0, CA_EXPIRED].map((facts) => [facts.fingerprint, facts]));

/** The CA facts a caBundle of these fingerprints would yield (unknown fingerprints are not CAs). */
function casOf(bundles: (string[] | undefined)[]): CertificateFacts[] {
  const fingerprints = new Set(bundles.flatMap((bundle) => bundle ?? []));
  return [...fingerprints].flatMap((fingerprint) => KNOWN_CAS.get(fingerprint) ?? []);
}

function webhooks(validating: (string[] | undefined)[] = [['ca1']], mutating: (string[] | undefined)[] = [['ca1']]): WebhookState[] {
  return [
    { ref: { kind: 'validating', name: 'ztgate' }, present: true, bundles: validating, cas: casOf(validating) },
    { ref: { kind: 'mutating', name: 'ztgate' }, present: true, bundles: mutating, cas: casOf(mutating) },
  ];
}

/** Everything settled: one CA, webhooks in step, a fresh certificate served and reported. */
function steady(over: Partial<Observed> = {}): Observed {
  return { now: NOW, ca: caOk(), serving: servingOk(), webhooks: webhooks(), served: { cert: 's1', ca: 'ca1' }, ...over };
}

type Expect = Partial<Step> & { action: Step['action'] };

const cases: [string, Observed, Expect][] = [
  ['steady state: wait for the next resync', steady(), { action: 'wait', reason: 'certificates are current', nextCheckMs: 5 * MIN }],

  // The CA comes first.
  ['no CA Secret and empty caBundles: create a CA', steady({ ca: { status: 'missing', trusted: [] }, webhooks: webhooks([undefined], [undefined]) }), { action: 'create-ca', keep: [] }],
  [
    'no CA Secret but the API server trusts a CA: create one, keeping that CA trusted',
    steady({ ca: { status: 'missing', trusted: [] }, webhooks: webhooks([['ca1', 'ca-old', 'not-a-ca']], [['ca0']]) }),
    { action: 'create-ca', keep: ['ca1', 'ca0'] },
  ],
  [
    'a damaged CA Secret: replace it, keeping the readable unexpired CAs and those in the caBundles trusted',
    steady({ ca: { status: 'invalid', problem: 'CA Secret ztgate-ca: tls.key is missing', trusted: [CA1, CA_EXPIRED] }, webhooks: webhooks([['ca1', 'ca0']]) }),
    { action: 'replace-ca', keep: ['ca1', 'ca0'], reason: 'CA Secret ztgate-ca: tls.key is missing' },
  ],
  ['the CA expires within a year: rotate, keeping it trusted', steady({ ca: caOk({ current: CA0, trusted: [CA0] }) }), { action: 'rotate-ca', keep: ['ca0'] }],
  [
    'the CA expires in a year and a day: nothing to do',
    steady({ ca: caOk({ current: facts('ca1', at(366 * DAY), true), trusted: [facts('ca1', at(366 * DAY), true)] }) }),
    { action: 'wait' },
  ],
  [
    'rotation keeps every unexpired trusted CA, drops expired ones',
    steady({ ca: caOk({ current: CA0, trusted: [CA0, facts('ca-1', at(100 * DAY), true), CA_EXPIRED] }) }),
    { action: 'rotate-ca', keep: ['ca0', 'ca-1'] },
  ],

  // The trust bundle.
  ['a damaged ca.crt is rewritten', steady({ ca: caOk({ trustDamaged: true }) }), { action: 'set-trust', trust: ['ca1'] }],
  ['a ca.crt without the current CA gets it first', steady({ ca: caOk({ trusted: [CA0] }) }), { action: 'set-trust', trust: ['ca1', 'ca0'] }],
  ['an expired CA leaves the trust bundle', steady({ ca: caOk({ trusted: [CA1, CA_EXPIRED] }) }), { action: 'set-trust', trust: ['ca1'] }],

  // The webhook configurations before anything is served.
  [
    'an empty validating caBundle (just applied): fill it',
    steady({ webhooks: webhooks([undefined]) }),
    { action: 'sync-webhook', webhook: { kind: 'validating', name: 'ztgate' }, trust: ['ca1'] },
  ],
  [
    'someone overwrote the mutating caBundle: restore it',
    steady({ webhooks: webhooks([['ca1']], [['someone-elses']]) }),
    { action: 'sync-webhook', webhook: { kind: 'mutating', name: 'ztgate' }, trust: ['ca1'] },
  ],
  ['an extra CA in a caBundle is removed', steady({ webhooks: webhooks([['ca1', 'ca0']]) }), { action: 'sync-webhook' }],
  ['one of several webhooks in a configuration differs', steady({ webhooks: webhooks([['ca1'], undefined]) }), { action: 'sync-webhook' }],
  [
    'the same CAs in another order are fine',
    steady({ ca: caOk({ trusted: [CA1, CA0], rotatedAt: at(-HOUR) }), webhooks: webhooks([['ca0', 'ca1']], [['ca1', 'ca0']]), serving: servingOk({ replicas: { a: beat('s1', 'ca1', 0) } }) }),
    { action: 'wait' },
  ],
  ['a configuration that does not exist (yet) is skipped', steady({ webhooks: [{ ref: { kind: 'validating', name: 'ztgate' }, present: false, bundles: [], cas: [] }] }), { action: 'wait' }],
  [
    'webhooks are synced before a serving certificate is renewed',
    steady({ webhooks: webhooks([['ca0']]), serving: servingOk({ issuer: 'ca0' }) }),
    { action: 'sync-webhook' },
  ],

  // The serving certificate.
  ['no serving Secret: create one', steady({ serving: { status: 'missing', replicas: {} } }), { action: 'create-serving' }],
  ['a damaged serving Secret: renew', steady({ serving: { status: 'invalid', problem: 'garbled', replicas: {} } }), { action: 'renew-serving', reason: 'garbled' }],
  [
    'signed by the previous CA: renew from the current one',
    steady({ ca: caOk({ trusted: [CA1, CA0] }), serving: servingOk({ cert: S0, issuer: 'ca0' }), webhooks: webhooks([['ca1', 'ca0']], [['ca1', 'ca0']]) }),
    { action: 'renew-serving', reason: 'the serving certificate is not signed by the current CA' },
  ],
  [
    'signed by the previous CA, but the new CA is a minute old: keep serving the old certificate a little longer',
    steady({
      ca: caOk({ trusted: [CA1, CA0], rotatedAt: at(-MIN) }),
      serving: servingOk({ cert: S0, issuer: 'ca0', replicas: { a: beat('s0', 'ca0', MIN) } }),
      served: { cert: 's0', ca: 'ca0' },
      webhooks: webhooks([['ca1', 'ca0']], [['ca1', 'ca0']]),
    }),
    { action: 'wait', nextCheckMs: MIN },
  ],
  [
    'while the new CA travels, a replica that starts still serves the old certificate',
    steady({
      ca: caOk({ trusted: [CA1, CA0], rotatedAt: at(-MIN) }),
      serving: servingOk({ cert: S0, issuer: 'ca0', replicas: {} }),
      served: undefined,
      webhooks: webhooks([['ca1', 'ca0']], [['ca1', 'ca0']]),
    }),
    { action: 'serve' },
  ],
  [
    'signed by no trusted CA: renew at once, even while a new CA travels',
    steady({ ca: caOk({ rotatedAt: at(-MIN) }), serving: servingOk({ issuer: undefined }) }),
    { action: 'renew-serving' },
  ],
  ['signed by no trusted CA: renew', steady({ serving: servingOk({ issuer: undefined }) }), { action: 'renew-serving' }],
  ['expires in 29 days: renew', steady({ serving: servingOk({ cert: facts('s1', at(29 * DAY), false, HOSTS) }) }), { action: 'renew-serving' }],
  ['expires in 31 days: keep', steady({ serving: servingOk({ cert: facts('s1', at(31 * DAY), false, HOSTS) }) }), { action: 'wait' }],
  ['lacks a Service name: renew', steady({ serving: servingOk({ cert: facts('s1', at(200 * DAY), false, HOSTS.slice(1)) }) }), { action: 'renew-serving' }],

  // Serving and reporting.
  ['nothing served yet: serve', steady({ served: undefined }), { action: 'serve', reason: 'nothing served yet' }],
  ['the Secret holds a newer certificate: serve it', steady({ served: { cert: 's0', ca: 'ca1' } }), { action: 'serve' }],
  ['not reported yet: heartbeat', steady({ serving: servingOk({ replicas: {} }) }), { action: 'heartbeat' }],
  ['reported an hour ago: heartbeat', steady({ serving: servingOk({ replicas: { a: beat('s1', 'ca1', HOUR) } }) }), { action: 'heartbeat' }],
  ['reported another certificate: heartbeat', steady({ serving: servingOk({ replicas: { a: beat('s0', 'ca1', MIN) } }) }), { action: 'heartbeat' }],

  // CA rollover: the old CA stays until every live replica serves from the new one.
  [
    'rollover younger than the heartbeat window: keep both CAs',
    rollover({ rotatedAgo: 2 * HOUR, replicas: { b: beat('s1', 'ca1', MIN) } }),
    { action: 'wait', reason: 'CA rollover in progress: the rollover is younger than the heartbeat window', nextCheckMs: 5 * MIN },
  ],
  [
    'a live replica still serves from the old CA: keep both CAs',
    rollover({ rotatedAgo: 4 * HOUR, replicas: { b: beat('s0', 'ca0', 2 * HOUR), c: beat('s0', 'ca0', MIN) } }),
    { action: 'wait', reason: 'CA rollover in progress: replicas b, c still serve certificates from the old CA' },
  ],
  [
    'every live replica serves from the new CA: drop the old one',
    rollover({ rotatedAgo: 4 * HOUR, replicas: { b: beat('s1', 'ca1', HOUR), gone: beat('s0', 'ca0', 3 * HOUR) } }),
    { action: 'set-trust', trust: ['ca1'], reason: 'every replica serves a certificate from the current CA' },
  ],
  ['no record of when the CA rotated: keep both CAs (the old one leaves when it expires)', rollover({ rotatedAgo: undefined, replicas: {} }), { action: 'wait' }],
];

function rollover({ rotatedAgo, replicas }: { rotatedAgo: number | undefined; replicas: Record<string, Heartbeat> }): Observed {
  const ca = caOk({ trusted: [CA1, CA0] });
  if (ca.status === 'ok') {
    if (rotatedAgo === undefined) delete ca.rotatedAt;
    else ca.rotatedAt = at(-rotatedAgo);
  }
  return steady({
    ca,
    webhooks: webhooks([['ca1', 'ca0']], [['ca1', 'ca0']]),
    serving: servingOk({ replicas: { a: beat('s1', 'ca1', 10 * MIN), ...replicas } }),
  });
}

describe('planNextStep', () => {
  for (const [name, observed, expected] of cases) {
    test(name, () => {
      const step = planNextStep(observed, POLICY);
      for (const [key, value] of Object.entries(expected)) {
        assert.deepEqual((step as Record<string, unknown>)[key], value, `${key} of ${JSON.stringify(step)}`);
      }
    });
  }
});

describe('planNextStep safety properties', () => {
  // One set of facts per fingerprint, as with real certificates. Weighted towards healthy states so
  // every step, serving and pruning included, is reached often (the last test checks that).
  const often = <T,>(usual: T, ...rare: T[]) => fc.oneof({ weight: 3, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: fc.constantFrom(...rare) });
  const IDS = ['1', '2', '3'] as const;
  const familyArb = (prefix: string, isCa: boolean) => {
    const days = isCa ? often(4000, -1, 200, 364, 366) : often(200, -1, 10, 29, 31);
    return fc
      .record({ days: fc.tuple(days, days, days), hosts: often(HOSTS, HOSTS.slice(1)) })
      .map(({ days: list, hosts }) => new Map(list.map((d, i) => [IDS[i]!, facts(`${prefix}${IDS[i]}`, at(d * DAY), isCa, isCa ? [] : hosts)])));
  };
  // A caBundle is mostly what ztgate wrote (the trust list), sometimes anything.
  const bundleArb = fc.oneof(
    { weight: 3, arbitrary: fc.constant('trust' as const) },
    { weight: 1, arbitrary: fc.option(fc.subarray(['ca1', 'ca2', 'ca3', 'other']), { nil: undefined }) },
  );
  // A heartbeat mostly reports what the serving Secret holds; sometimes something older.
  const beatArb = fc.record({
    current: often(true, false),
    cert: fc.constantFrom('s1', 's2', 's3'),
    ca: fc.constantFrom('ca1', 'ca2', 'ca3'),
    ageHours: often(0, 1, 2, 4, 100),
  });

  const observedArb = fc
    .record({
      cas: familyArb('ca', true),
      servings: familyArb('s', false),
      current: fc.constantFrom(...IDS),
      others: fc.subarray([...IDS]),
      servingId: fc.constantFrom(...IDS),
      trustDamaged: often(false, true),
      rotatedHours: fc.option(often(1000, 1, 2, 3, 4), { nil: undefined }),
      issuerIsCurrent: often(true, false),
      issuer: fc.option(fc.constantFrom('1', '2', '3'), { nil: undefined }),
      validating: fc.array(bundleArb, { minLength: 1, maxLength: 2 }),
      mutatingPresent: often(true, false),
      mutating: fc.array(bundleArb, { minLength: 1, maxLength: 2 }),
      beats: fc.dictionary(fc.constantFrom('a', 'b', 'c'), beatArb),
      servedIsSecret: often(true, false),
      served: fc.option(fc.record({ cert: fc.constantFrom('s1', 's2', 's3'), ca: fc.constantFrom('ca1', 'ca2', 'ca3') }), { nil: undefined }),
    })
    .map((r): Observed => {
      const trustedIds = [r.current, ...r.others.filter((id) => id !== r.current)];
      const ca: CaState = {
        status: 'ok',
        current: r.cas.get(r.current)!,
        keyPem: 'KEY',
        trusted: trustedIds.map((id) => r.cas.get(id)!),
        trustDamaged: r.trustDamaged,
      };
      if (r.rotatedHours !== undefined) ca.rotatedAt = at(-r.rotatedHours * HOUR);
      const trustFps = trustedIds.map((id) => `ca${id}`);
      const bundles = (list: typeof r.validating) => list.map((b) => (b === 'trust' ? trustFps : b));
      const cas = (list: (string[] | undefined)[]) =>
        [...new Set(list.flatMap((b) => b ?? []))].flatMap((fingerprint) => (fingerprint === 'other' ? [] : [r.cas.get(fingerprint.slice(2) as '1')!]));
      const cert = r.servings.get(r.servingId)!;
      const replicas = Object.fromEntries(
        Object.entries(r.beats).map(([name, b]) => [name, b.current ? beat(cert.fingerprint, `ca${r.current}`, b.ageHours * HOUR) : beat(b.cert, b.ca, b.ageHours * HOUR)]),
      );
      const serving: ServingState = { status: 'ok', cert, certPem: '', keyPem: '', replicas };
      const issuer = r.issuerIsCurrent ? r.current : r.issuer;
      if (issuer) serving.issuer = `ca${issuer}`;
      const observed: Observed = {
        now: NOW,
        ca,
        serving,
        webhooks: [
          { ref: { kind: 'validating', name: 'ztgate' }, present: true, bundles: bundles(r.validating), cas: cas(bundles(r.validating)) },
          { ref: { kind: 'mutating', name: 'ztgate' }, present: r.mutatingPresent, bundles: bundles(r.mutating), cas: cas(bundles(r.mutating)) },
        ],
      };
      if (r.servedIsSecret && issuer) observed.served = { cert: cert.fingerprint, ca: `ca${issuer}` };
      else if (r.served) observed.served = r.served;
      return observed;
    });

  test('a certificate is only served when every webhook trusts its CA, and that CA is the current one', () => {
    fc.assert(
      fc.property(observedArb, (observed) => {
        const step = planNextStep(observed, POLICY);
        if (step.action !== 'serve') return;
        assert.equal(observed.ca.status, 'ok');
        assert.ok(observed.serving.status === 'ok' && observed.ca.status === 'ok');
        assert.equal(observed.serving.issuer, observed.ca.current.fingerprint);
        for (const webhook of observed.webhooks.filter((w) => w.present)) {
          for (const bundle of webhook.bundles) assert.ok(bundle?.includes(observed.serving.issuer!), 'issuer in every caBundle');
        }
      }),
    );
  });

  test('the trust bundle never loses the current CA, nor a CA a live replica still serves from', () => {
    fc.assert(
      fc.property(observedArb, (observed) => {
        const step = planNextStep(observed, POLICY);
        if (step.action !== 'set-trust' && step.action !== 'sync-webhook') return;
        assert.ok(observed.ca.status === 'ok');
        assert.equal(step.trust[0], observed.ca.current.fingerprint);
        const unexpired = new Set(observed.ca.trusted.filter((t) => t.notAfter > NOW).map((t) => t.fingerprint));
        for (const beat of Object.values(observed.serving.replicas)) {
          const live = NOW.getTime() - beat.at.getTime() < POLICY.heartbeatStaleMs;
          if (live && unexpired.has(beat.ca)) assert.ok(step.trust.includes(beat.ca), `${beat.ca} is still served`);
        }
      }),
    );
  });

  test('a rotation keeps every unexpired trusted CA', () => {
    fc.assert(
      fc.property(observedArb, (observed) => {
        const step = planNextStep(observed, POLICY);
        if (step.action !== 'rotate-ca') return;
        const unexpired = observed.ca.trusted.filter((t) => t.notAfter > NOW).map((t) => t.fingerprint);
        for (const fingerprint of unexpired) assert.ok(step.keep.includes(fingerprint));
      }),
    );
  });

  test('the generated states reach every step (so the properties above are not vacuous)', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(observedArb, (observed) => void seen.add(planNextStep(observed, POLICY).action)), { numRuns: 2000 });
    const reasons = new Set<string>();
    fc.assert(fc.property(observedArb, (observed) => void reasons.add(planNextStep(observed, POLICY).reason)), { numRuns: 2000 });
    for (const action of ['rotate-ca', 'set-trust', 'sync-webhook', 'renew-serving', 'serve', 'heartbeat', 'wait']) assert.ok(seen.has(action), action);
    assert.ok(reasons.has('every replica serves a certificate from the current CA'), 'pruning is reached');
  });
});
