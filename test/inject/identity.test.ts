import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyIdentity, serviceAccountLabelValue, serviceAccountOf, spiffeId } from '../../src/inject/identity.js';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('identity', () => {
  test('short ServiceAccount names are the label value', () => {
    assert.equal(serviceAccountLabelValue('web'), 'web');
    assert.equal(serviceAccountLabelValue('a'.repeat(63)), 'a'.repeat(63));
  });

  test('long names are truncated with a hash: valid, stable, distinct', () => {
    const long = `${'a'.repeat(60)}-one`;
    const other = `${'a'.repeat(60)}-two`;
    const value = serviceAccountLabelValue(long);
    assert.ok(value.length <= 63);
    assert.match(value, LABEL_VALUE);
    assert.equal(value, serviceAccountLabelValue(long));
    assert.notEqual(value, serviceAccountLabelValue(other));
    assert.match(serviceAccountLabelValue(`${'b'.repeat(51)}.-${'c'.repeat(20)}`), LABEL_VALUE);
  });

  test('the ServiceAccount of a Pod defaults to default', () => {
    assert.equal(serviceAccountOf({ spec: { serviceAccountName: 'web' } }), 'web');
    assert.equal(serviceAccountOf({ spec: { serviceAccount: 'legacy' } }), 'legacy');
    assert.equal(serviceAccountOf({ spec: {} }), 'default');
  });

  test('applyIdentity sets the label and the SPIFFE annotation, overwriting forged values', () => {
    const pod = { metadata: { labels: { 'ztgate.io/service-account': 'admin' } }, spec: { serviceAccountName: 'web' } };
    applyIdentity(pod, 'shop', 'example.org');
    assert.deepEqual(pod.metadata, {
      labels: { 'ztgate.io/service-account': 'web' },
      annotations: { 'ztgate.io/spiffe-id': 'spiffe://example.org/ns/shop/sa/web' },
    });
    assert.equal(spiffeId('cluster.local', 'a', 'b'), 'spiffe://cluster.local/ns/a/sa/b');
  });
});
