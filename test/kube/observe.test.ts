import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ANNOTATION_REPLICAS, ANNOTATION_ROTATED_AT, decodeHeartbeats, encodeHeartbeats, type SecretRecord } from '../../src/kube/certs/layout.js';
import { observeCa, observeServing, observeWebhook } from '../../src/kube/certs/observe.js';
import { inspectCertificate } from '../../src/tls/inspect.js';
import { NOW, testCa, testLeaf } from '../tls/helpers.js';

const ca = testCa('current');
const previous = testCa('previous');
const expiredCa = testCa('expired', new Date(NOW.getTime() - 20 * 86_400_000), 10);
const leaf = testLeaf(ca, ['ztgate.ztgate-system.svc']);
const oldLeaf = testLeaf(previous, ['ztgate.ztgate-system.svc']);
const fp = (pem: string) => inspectCertificate(pem).fingerprint;

function secret(data: Record<string, string>, annotations: Record<string, string> = {}): SecretRecord {
  return { name: 'ztgate-ca', type: 'kubernetes.io/tls', data, annotations, labels: {}, resourceVersion: '7' };
}

describe('observeCa', () => {
  test('missing', () => assert.deepEqual(observeCa(undefined), { status: 'missing', trusted: [] }));

  test('a usable CA with its trust bundle and rotation time', () => {
    const state = observeCa(
      secret({ 'tls.crt': ca.certPem, 'tls.key': ca.keyPem, 'ca.crt': ca.certPem + previous.certPem }, { [ANNOTATION_ROTATED_AT]: '2030-01-01T00:00:00.000Z' }),
    );
    assert.equal(state.status, 'ok');
    assert.ok(state.status === 'ok');
    assert.equal(state.current.fingerprint, fp(ca.certPem));
    assert.deepEqual(state.trusted.map((t) => t.fingerprint), [fp(ca.certPem), fp(previous.certPem)]);
    assert.equal(state.trustDamaged, false);
    assert.equal(state.keyPem, ca.keyPem);
    assert.deepEqual(state.rotatedAt, new Date('2030-01-01T00:00:00.000Z'));
  });

  const damagedTrust: [string, string | undefined][] = [
    ['missing', undefined],
    ['garbage between certificates', `${ca.certPem}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`],
    ['a leaf instead of a CA', ca.certPem + leaf.certPem],
  ];
  for (const [what, text] of damagedTrust) {
    test(`a ca.crt that is ${what} is reported damaged, readable CAs kept`, () => {
      const data: Record<string, string> = { 'tls.crt': ca.certPem, 'tls.key': ca.keyPem };
      if (text !== undefined) data['ca.crt'] = text;
      const state = observeCa(secret(data));
      assert.ok(state.status === 'ok');
      assert.equal(state.trustDamaged, true);
      assert.ok(state.trusted.every((t) => t.isCa));
    });
  }

  const invalid: [string, Record<string, string>, RegExp, number][] = [
    ['no tls.crt', { 'tls.key': ca.keyPem, 'ca.crt': ca.certPem + previous.certPem }, /tls\.crt is missing or not a PEM certificate/, 2],
    ['a leaf in tls.crt', { 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem, 'ca.crt': previous.certPem }, /tls\.crt is not a CA certificate/, 1],
    ['a key of another CA', { 'tls.crt': ca.certPem, 'tls.key': previous.keyPem, 'ca.crt': previous.certPem }, /tls\.key is missing or does not belong/, 2],
  ];
  for (const [what, data, problem, salvaged] of invalid) {
    test(`invalid with ${what}, salvaging the readable CAs`, () => {
      const state = observeCa(secret(data));
      assert.equal(state.status, 'invalid');
      assert.ok(state.status === 'invalid');
      assert.match(state.problem, problem);
      assert.match(state.problem, /^CA Secret ztgate-ca: /);
      assert.equal(state.trusted.length, salvaged);
    });
  }
});

describe('observeServing', () => {
  const caState = observeCa(secret({ 'tls.crt': ca.certPem, 'tls.key': ca.keyPem, 'ca.crt': ca.certPem + previous.certPem }));
  const serving = (data: Record<string, string>, annotations: Record<string, string> = {}) => observeServing({ ...secret(data, annotations), name: 'ztgate-tls' }, caState, NOW);

  test('names the trusted CA that signed it, whichever it is', () => {
    const current = serving({ 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem });
    assert.ok(current.status === 'ok');
    assert.equal(current.issuer, fp(ca.certPem));
    const old = serving({ 'tls.crt': oldLeaf.certPem, 'tls.key': oldLeaf.keyPem });
    assert.ok(old.status === 'ok');
    assert.equal(old.issuer, fp(previous.certPem));
    const stranger = testLeaf(testCa('stranger'), ['x.example']);
    const unknown = serving({ 'tls.crt': stranger.certPem, 'tls.key': stranger.keyPem });
    assert.ok(unknown.status === 'ok');
    assert.equal(unknown.issuer, undefined);
  });

  test('reads the replicas heartbeats and ignores damaged ones', () => {
    const beats = { a: { cert: 'c', ca: 'k', at: new Date('2030-01-01T00:00:00Z') } };
    const state = serving({ 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem }, { [ANNOTATION_REPLICAS]: encodeHeartbeats(beats) });
    assert.deepEqual(state.replicas, beats);
  });

  const invalid: [string, Record<string, string>, RegExp][] = [
    ['no certificate', { 'tls.key': leaf.keyPem }, /tls\.crt is missing/],
    ['a mismatched key', { 'tls.crt': leaf.certPem, 'tls.key': oldLeaf.keyPem }, /does not belong/],
    ['an expired certificate', (() => { const l = testLeaf(expiredCa, ['a.example'], new Date(NOW.getTime() - 20 * 86_400_000), 5); return { 'tls.crt': l.certPem, 'tls.key': l.keyPem }; })(), /expired at/],
  ];
  for (const [what, data, problem] of invalid) {
    test(`invalid with ${what}`, () => {
      const state = serving(data);
      assert.ok(state.status === 'invalid');
      assert.match(state.problem, problem);
      assert.match(state.problem, /^serving Secret ztgate-tls: /);
    });
  }

  test('missing', () => assert.deepEqual(observeServing(undefined, caState, NOW), { status: 'missing', replicas: {} }));
});

describe('observeWebhook', () => {
  test('fingerprints per webhook; empty or unreadable bundles are undefined', () => {
    const state = observeWebhook({
      ref: { kind: 'validating', name: 'ztgate' },
      present: true,
      caBundles: [ca.certPem + previous.certPem, undefined, 'garbage', `${ca.certPem}-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n`],
    });
    assert.deepEqual(state.bundles, [[fp(ca.certPem), fp(previous.certPem)], undefined, undefined, undefined]);
    assert.deepEqual(state.cas.map((facts) => facts.fingerprint), [fp(ca.certPem), fp(previous.certPem)], 'the CAs the API server trusts');
  });
});

describe('heartbeat annotation', () => {
  test('round-trips, sorted by replica', () => {
    const beats = {
      z: { cert: 'c2', ca: 'k2', at: new Date('2030-01-02T00:00:00Z') },
      a: { cert: 'c1', ca: 'k1', at: new Date('2030-01-01T00:00:00Z') },
    };
    const text = encodeHeartbeats(beats);
    assert.ok(text.indexOf('"a"') < text.indexOf('"z"'));
    assert.deepEqual(decodeHeartbeats(text), beats);
  });

  const damaged: [string, string | undefined][] = [
    ['absent', undefined],
    ['not JSON', '{'],
    ['a list', '[]'],
    ['entries of the wrong shape', '{"a":{"cert":1,"ca":"k","at":"2030-01-01T00:00:00Z"},"b":null,"c":{"cert":"c","ca":"k","at":"yesterday"}}'],
  ];
  for (const [what, text] of damaged) {
    test(`a damaged annotation (${what}) reads as no heartbeats`, () => assert.deepEqual(decodeHeartbeats(text), {}));
  }
});
