import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { describe, test } from 'node:test';
import { KEY_CA, KEY_CERT } from '../../src/kube/certs/layout.js';
import { CertificateManager, type CertificateManagerOptions } from '../../src/kube/certs/manager.js';
import type { Step } from '../../src/kube/certs/plan.js';
import { secretClient } from '../../src/kube/certs/secret-client.js';
import { webhookConfigurationClient, type WebhookKind } from '../../src/kube/webhook-config.js';
import { serviceHosts } from '../../src/tls/hosts.js';
import { createCertificateAuthority } from '../../src/tls/pki.js';
import { inspectBundle, inspectCertificate, isIssuedBy, splitPemBundle } from '../../src/tls/inspect.js';
import { attachCertificateSource, tlsServerOptions } from '../../src/tls/options.js';
import { get, listen } from '../tls/https.js';
import { FakeCluster } from './fake-api.js';

const NS = 'ztgate-system';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const KINDS: WebhookKind[] = ['validating', 'mutating'];
const HOSTS = [...serviceHosts('ztgate', NS), '127.0.0.1'];

class Clock {
  constructor(public time: number) {}
  now = () => new Date(this.time);
  advance(ms: number): void {
    this.time += ms;
  }
}

function cluster(): FakeCluster {
  const fake = new FakeCluster();
  fake.register('validating', 'ztgate', ['validate.ztgate.io']);
  fake.register('mutating', 'ztgate', ['mutate.ztgate.io']);
  return fake;
}

function replica(fake: FakeCluster, name: string, clock: Clock, extra: Partial<CertificateManagerOptions> = {}): CertificateManager {
  return new CertificateManager({
    secrets: secretClient(fake.secretApi(), NS),
    webhooks: webhookConfigurationClient(fake.webhookApi()),
    webhookRefs: KINDS.map((kind) => ({ kind, name: 'ztgate' })),
    caSecretName: 'ztgate-ca',
    servingSecretName: 'ztgate-tls',
    replica: name,
    hosts: HOSTS,
    now: clock.now,
    ...extra,
  });
}

/** Two replicas that have both started on a fresh cluster at 2030-01-01. */
async function twoReplicas(extra: Partial<CertificateManagerOptions> = {}) {
  const fake = cluster();
  const clock = new Clock(Date.parse('2030-01-01T00:00:00Z'));
  const a = replica(fake, 'a', clock, extra);
  const b = replica(fake, 'b', clock, extra);
  await a.reconcile();
  await b.reconcile();
  return { fake, clock, a, b };
}

const actions = (steps: Step[]) => steps.map((step) => step.action);
const fingerprints = (pem: string | undefined) => (pem ? inspectBundle(pem).map((facts) => facts.fingerprint).sort() : []);

/** The caBundle of every webhook in both configurations, as fingerprint sets; they must all agree. */
function bundle(fake: FakeCluster): string[] {
  const all = KINDS.flatMap((kind) => fake.caBundles(kind, 'ztgate')).map(fingerprints);
  for (const other of all) assert.deepEqual(other, all[0], 'every webhook carries the same caBundle');
  return all[0]!;
}

/** The invariant behind everything: what each replica serves verifies against every caBundle. */
function assertServedIsTrusted(fake: FakeCluster, managers: CertificateManager[]): void {
  for (const kind of KINDS) {
    for (const pem of fake.caBundles(kind, 'ztgate')) {
      const cas = splitPemBundle(pem ?? '');
      for (const manager of managers) {
        const served = manager.certificateSource?.current().cert;
        if (served) assert.ok(cas.some((ca) => isIssuedBy(served, ca)), `a served certificate is not in the ${kind} caBundle`);
      }
    }
  }
}

describe('CertificateManager against a recorded fake API', () => {
  test('creation: CA (10 years) and serving certificate (1 year) in kubernetes.io/tls Secrets, caBundle patched', async () => {
    const fake = cluster();
    const clock = new Clock(Date.parse('2030-01-01T00:00:00Z'));
    const a = replica(fake, 'ztgate-a', clock);
    const { steps } = await a.reconcile();
    assert.deepEqual(actions(steps), ['create-ca', 'sync-webhook', 'sync-webhook', 'create-serving', 'serve', 'heartbeat', 'wait']);

    const caSecret = fake.secrets.get(`${NS}/ztgate-ca`)!;
    const servingSecret = fake.secrets.get(`${NS}/ztgate-tls`)!;
    assert.equal(caSecret.type, 'kubernetes.io/tls');
    assert.equal(servingSecret.type, 'kubernetes.io/tls');
    const caData = fake.secretData(NS, 'ztgate-ca')!;
    const servingData = fake.secretData(NS, 'ztgate-tls')!;
    const ca = inspectCertificate(caData[KEY_CERT]!);
    const leaf = inspectCertificate(servingData[KEY_CERT]!);
    assert.equal(ca.isCa, true);
    assert.equal(ca.notAfter.getTime(), clock.time + 3650 * DAY);
    assert.equal(leaf.notAfter.getTime(), clock.time + 365 * DAY);
    assert.deepEqual(leaf.dnsNames, serviceHosts('ztgate', NS));
    assert.ok(isIssuedBy(leaf.pem, ca.pem));
    assert.deepEqual(bundle(fake), [ca.fingerprint]);
    assert.deepEqual(fingerprints(caData[KEY_CA]), [ca.fingerprint], 'the trust bundle starts with the CA alone');
    assert.equal(a.certificateSource?.current().cert, servingData[KEY_CERT]);
    assertServedIsTrusted(fake, [a]);
    assert.match(caSecret.metadata?.annotations?.['ztgate.io/ca-rotated-at'] ?? '', /^2030-01-01T/);
    assert.match(servingSecret.metadata?.annotations?.['ztgate.io/replicas'] ?? '', /"ztgate-a"/);

    const again = await a.reconcile();
    assert.deepEqual(actions(again.steps), ['wait'], 'a second pass changes nothing');
  });

  test('adoption: a second replica serves the same certificate and creates nothing', async () => {
    const fake = cluster();
    const clock = new Clock(Date.parse('2030-01-01T00:00:00Z'));
    const a = replica(fake, 'ztgate-a', clock);
    await a.reconcile();
    const writesBefore = fake.count('createSecret') + fake.count('createSecret', 409);
    const b = replica(fake, 'ztgate-b', clock);
    const { steps } = await b.reconcile();
    assert.deepEqual(actions(steps), ['serve', 'heartbeat', 'wait']);
    assert.equal(fake.count('createSecret') + fake.count('createSecret', 409), writesBefore);
    assert.equal(b.certificateSource?.current().cert, a.certificateSource?.current().cert);
    assert.match(fake.secrets.get(`${NS}/ztgate-tls`)?.metadata?.annotations?.['ztgate.io/replicas'] ?? '', /"ztgate-a".*"ztgate-b"/);
  });

  test('three replicas starting at once: exactly one certificate set wins, the others adopt it', async () => {
    const fake = cluster();
    const clock = new Clock(Date.parse('2030-01-01T00:00:00Z'));
    const managers = ['a', 'b', 'c'].map((name) => replica(fake, name, clock));
    await Promise.all(managers.map((manager) => manager.reconcile()));
    assert.equal(fake.calls.filter((c) => c.call === 'createSecret' && c.name === 'ztgate-ca' && c.result === 'ok').length, 1);
    assert.equal(fake.calls.filter((c) => c.call === 'createSecret' && c.name === 'ztgate-tls' && c.result === 'ok').length, 1);
    assert.ok(fake.count('createSecret', 409) > 0, 'the replicas really raced (a create lost with 409)');
    const served = new Set(managers.map((manager) => manager.certificateSource?.current().cert));
    assert.equal(served.size, 1, 'all serve the one certificate');
    assert.equal([...served][0], fake.secretData(NS, 'ztgate-tls')![KEY_CERT]);
    assertServedIsTrusted(fake, managers);
  });

  test('renewal: the serving certificate is renewed 30 days before expiry, same CA, every replica follows', async () => {
    const { fake, clock, a, b } = await twoReplicas();
    const first = a.certificateSource!.current().cert;
    const bundleBefore = bundle(fake);

    clock.advance(334 * DAY); // 31 days left
    assert.ok(!actions((await a.reconcile()).steps).includes('renew-serving'));
    assert.equal(a.certificateSource!.current().cert, first);

    clock.advance(2 * DAY); // 29 days left
    const { steps } = await a.reconcile();
    assert.deepEqual(actions(steps), ['renew-serving', 'serve', 'heartbeat', 'wait']);
    const renewed = a.certificateSource!.current().cert;
    assert.notEqual(renewed, first);
    assert.equal(inspectCertificate(renewed).notAfter.getTime(), clock.time + 365 * DAY);
    assert.deepEqual(bundle(fake), bundleBefore, 'same CA, so the caBundle does not change');
    assertServedIsTrusted(fake, [a, b]);

    assert.deepEqual(actions((await b.reconcile()).steps), ['serve', 'heartbeat', 'wait']);
    assert.equal(b.certificateSource!.current().cert, renewed);
  });

  test('CA rollover: old and new CA both in the caBundle until every replica serves from the new one', async () => {
    // A CA of 400 days is due for rotation (a year before expiry) after 35 days.
    const { fake, clock, a, b } = await twoReplicas({ caValidityDays: 400 });
    const oldCa = inspectCertificate(fake.secretData(NS, 'ztgate-ca')![KEY_CERT]!).fingerprint;
    const bOld = b.certificateSource!.current().cert;

    clock.advance(36 * DAY);
    const aOld = a.certificateSource!.current().cert;
    const rotation = await a.reconcile();
    assert.deepEqual(actions(rotation.steps), ['rotate-ca', 'sync-webhook', 'sync-webhook', 'heartbeat', 'wait']);
    const newCa = inspectCertificate(fake.secretData(NS, 'ztgate-ca')![KEY_CERT]!).fingerprint;
    assert.notEqual(newCa, oldCa);
    assert.deepEqual(bundle(fake), [newCa, oldCa].sort(), 'both CAs in the caBundle');
    assert.deepEqual(fingerprints(fake.secretData(NS, 'ztgate-ca')![KEY_CA]), [newCa, oldCa].sort());
    assert.equal(a.certificateSource!.current().cert, aOld, 'nothing from the new CA is served before API servers can know it');
    assertServedIsTrusted(fake, [a, b]);

    clock.advance(2 * 60_000);
    const move = await a.reconcile();
    assert.deepEqual(actions(move.steps), ['renew-serving', 'serve', 'heartbeat', 'wait']);
    assert.ok(isIssuedBy(a.certificateSource!.current().cert, fake.secretData(NS, 'ztgate-ca')![KEY_CERT]!), 'a serves from the new CA');
    assert.equal(b.certificateSource!.current().cert, bOld, 'b has not noticed yet and serves from the old CA');
    assertServedIsTrusted(fake, [a, b]);

    clock.advance(5 * 60_000);
    const early = await a.reconcile();
    assert.equal(early.steps.at(-1)?.action, 'wait');
    assert.match(early.steps.at(-1)!.reason, /CA rollover in progress/);
    assert.deepEqual(bundle(fake), [newCa, oldCa].sort(), 'no pruning while b may serve from the old CA');

    const bSteps = await b.reconcile();
    assert.deepEqual(actions(bSteps.steps), ['serve', 'heartbeat', 'wait']);
    assertServedIsTrusted(fake, [a, b]);
    assert.deepEqual(bundle(fake), [newCa, oldCa].sort());

    clock.advance(3 * HOUR);
    const prune = await a.reconcile();
    assert.deepEqual(actions(prune.steps), ['heartbeat', 'set-trust', 'sync-webhook', 'sync-webhook', 'wait']);
    assert.deepEqual(bundle(fake), [newCa], 'the old CA leaves once every replica serves from the new one');
    assertServedIsTrusted(fake, [a, b]);
    assert.deepEqual(actions((await b.reconcile()).steps), ['heartbeat', 'wait']);
  });

  test('someone overwrites the caBundle: it is restored on the next pass', async () => {
    const fake = cluster();
    const clock = new Clock(Date.parse('2030-01-01T00:00:00Z'));
    const a = replica(fake, 'a', clock);
    await a.reconcile();
    const good = bundle(fake);
    fake.overwriteCaBundle('validating', 'ztgate', fake.secretData(NS, 'ztgate-tls')![KEY_CERT]!);
    const { steps } = await a.reconcile();
    assert.deepEqual(actions(steps), ['sync-webhook', 'wait']);
    assert.deepEqual(bundle(fake), good);
  });

  test('webhook configurations applied after ztgate started get their caBundle', async () => {
    const fake = new FakeCluster();
    const clock = new Clock(Date.parse('2030-01-01T00:00:00Z'));
    const a = replica(fake, 'a', clock);
    assert.deepEqual(actions((await a.reconcile()).steps), ['create-ca', 'create-serving', 'serve', 'heartbeat', 'wait']);
    fake.register('validating', 'ztgate', ['validate.ztgate.io']);
    fake.register('mutating', 'ztgate', ['mutate.ztgate.io']);
    assert.deepEqual(actions((await a.reconcile()).steps), ['sync-webhook', 'sync-webhook', 'wait']);
    assertServedIsTrusted(fake, [a]);
  });

  test('damaged Secrets are replaced, keeping what is served trusted', async () => {
    const { fake, a, b } = await twoReplicas();
    const oldCa = inspectCertificate(fake.secretData(NS, 'ztgate-ca')![KEY_CERT]!).fingerprint;
    const secret = fake.secrets.get(`${NS}/ztgate-ca`)!;
    secret.data = { ...secret.data, 'tls.key': Buffer.from('garbage').toString('base64') };
    const { steps } = await a.reconcile();
    assert.equal(steps[0]?.action, 'replace-ca');
    assert.ok(fingerprints(fake.secretData(NS, 'ztgate-ca')![KEY_CA]).includes(oldCa), 'the old CA stays trusted: b still serves from it');
    assertServedIsTrusted(fake, [a, b]);
  });

  test('a deleted CA Secret: the new CA joins the old one in the caBundle, which stays until replicas move', async () => {
    const { fake, clock, a, b } = await twoReplicas();
    const oldCa = inspectCertificate(fake.secretData(NS, 'ztgate-ca')![KEY_CERT]!).fingerprint;
    fake.secrets.delete(`${NS}/ztgate-ca`);
    const { steps } = await a.reconcile();
    assert.deepEqual(actions(steps), ['create-ca', 'sync-webhook', 'sync-webhook', 'wait']);
    clock.advance(2 * 60_000);
    assert.deepEqual(actions((await a.reconcile()).steps), ['renew-serving', 'serve', 'heartbeat', 'wait']);
    const newCa = inspectCertificate(fake.secretData(NS, 'ztgate-ca')![KEY_CERT]!).fingerprint;
    assert.deepEqual(bundle(fake), [newCa, oldCa].sort());
    assertServedIsTrusted(fake, [a, b]);
    await b.reconcile();
    clock.advance(3 * HOUR);
    await a.reconcile();
    assert.deepEqual(bundle(fake), [newCa]);
    assertServedIsTrusted(fake, [a, b]);
  });

  test('a caBundle filled beforehand (ztgate manifests --ca-file) stays trusted while ztgate takes over', async () => {
    const fake = cluster();
    const clock = new Clock(Date.parse('2030-01-01T00:00:00Z'));
    const earlier = createCertificateAuthority({ commonName: 'from ztgate certs', validityDays: 3650, now: clock.now() });
    for (const kind of KINDS) fake.overwriteCaBundle(kind, 'ztgate', earlier.certPem);
    const a = replica(fake, 'a', clock);
    await a.reconcile();
    assert.ok(bundle(fake).includes(inspectCertificate(earlier.certPem).fingerprint));
    clock.advance(3 * HOUR);
    await a.reconcile();
    assert.ok(!bundle(fake).includes(inspectCertificate(earlier.certPem).fingerprint), 'and leaves once no replica serves from it');
  });

  test('a lost update race is read again, not an error', async () => {
    const fake = cluster();
    const clock = new Clock(Date.parse('2030-01-01T00:00:00Z'));
    const a = replica(fake, 'a', clock);
    const b = replica(fake, 'b', clock);
    await a.reconcile();
    clock.advance(340 * DAY);
    await Promise.all([a.reconcile(), b.reconcile()]);
    assert.equal(fake.calls.filter((c) => c.call === 'replaceSecret' && c.name === 'ztgate-tls' && c.result === 409).length > 0, true);
    assert.equal(a.certificateSource!.current().cert, b.certificateSource!.current().cert, 'one renewal won; both serve it');
  });

  test('start() retries API errors until a certificate is served', async () => {
    const fake = cluster();
    fake.failNext = { count: 2, status: 503 };
    const errors: Error[] = [];
    const a = replica(fake, 'a', new Clock(Date.now()), { retryMs: 1, onError: (error) => errors.push(error) });
    const source = await a.start();
    a.stop();
    assert.equal(source.current().cert, fake.secretData(NS, 'ztgate-tls')![KEY_CERT]);
    assert.ok(errors.length >= 1);
    assert.match(errors[0]!.message, /HTTP 503/);
  });

  test('an API error that is not a lost race surfaces (e.g. RBAC forbids an update)', async () => {
    const fake = cluster();
    const a = replica(fake, 'a', new Clock(Date.now()));
    await a.reconcile();
    fake.overwriteCaBundle('mutating', 'ztgate', 'garbage');
    const api = fake.webhookApi();
    const forbidden = { ...api, replaceMutatingWebhookConfiguration: () => Promise.reject(Object.assign(new Error('forbidden'), { code: 403 })) };
    const b = new CertificateManager({
      secrets: secretClient(fake.secretApi(), NS),
      webhooks: webhookConfigurationClient(forbidden),
      webhookRefs: KINDS.map((kind) => ({ kind, name: 'ztgate' })),
      caSecretName: 'ztgate-ca',
      servingSecretName: 'ztgate-tls',
      replica: 'b',
      hosts: HOSTS,
    });
    await assert.rejects(b.reconcile(), /forbidden/);
    assert.equal(b.certificateSource, undefined, 'nothing is served while the caBundle cannot be made right');
  });
});

describe('hot reload over a real TLS server', () => {
  test('a renewed certificate reaches new connections; kept-alive and in-flight requests carry on', async () => {
    const fake = cluster();
    // Issued 340 days ago, so it is due for renewal now and both certificates are valid in real time.
    const clock = new Clock(Date.now() - 340 * DAY);
    const manager = replica(fake, 'a', clock);
    const source = await manager.start();
    manager.stop();
    const trusted = () => fake.caBundles('validating', 'ztgate')[0]!;

    // The server holds one request open (an in-flight review) until the test releases it.
    let holdNext = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const heldArrived = new Promise<void>((resolve) => (arrived = resolve));
    const server = await listen(tlsServerOptions(source), (respond) => {
      if (!holdNext) return respond('ok');
      holdNext = false;
      arrived();
      void gate.then(() => respond('slow ok'));
    });
    attachCertificateSource(server.server, source);

    const keptAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const inFlightAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await get(server.port, { ca: trusted(), agent: keptAlive });
      holdNext = true;
      const inFlight = get(server.port, { ca: trusted(), agent: inFlightAgent });
      await heldArrived;

      clock.time = Date.now();
      const { steps } = await manager.reconcile();
      assert.deepEqual(actions(steps), ['renew-serving', 'serve', 'heartbeat', 'wait']);
      const renewed = source.current().cert;
      assert.notEqual(inspectFingerprint(renewed), before.peer);

      release();
      const slow = await inFlight;
      assert.equal(slow.status, 200);
      assert.equal(slow.body, 'slow ok', 'the in-flight review finished');
      assert.equal(slow.peer, before.peer, 'on the certificate its connection started with');

      const reused = await get(server.port, { ca: trusted(), agent: keptAlive });
      assert.equal(reused.reusedSocket, true, 'the kept-alive connection was reused');
      assert.equal(reused.status, 200);
      assert.equal(reused.peer, before.peer);

      const fresh = await get(server.port, { ca: trusted() });
      assert.equal(fresh.reusedSocket, false);
      assert.notEqual(fresh.peer, before.peer, 'a new connection sees the new certificate');
      assert.equal(fresh.peer, inspectFingerprint(renewed));
    } finally {
      keptAlive.destroy();
      inFlightAgent.destroy();
      await server.close();
    }
  });
});

function inspectFingerprint(pem: string): string {
  // node formats peer fingerprints as colon-separated upper-case hex.
  return inspectCertificate(pem).fingerprint.toUpperCase().match(/../g)!.join(':');
}
