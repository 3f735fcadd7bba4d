import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SecretRecord } from '../../src/kube/certs/layout.js';
import { secretClient } from '../../src/kube/certs/secret-client.js';
import { webhookConfigurationClient } from '../../src/kube/webhook-config.js';
import { FakeCluster } from './fake-api.js';

const record = (over: Partial<SecretRecord> = {}): SecretRecord => ({
  name: 'ztgate-tls',
  type: 'kubernetes.io/tls',
  data: { 'tls.crt': 'cert ✓\n', 'tls.key': 'key' },
  annotations: { a: '1' },
  labels: { l: 'v' },
  ...over,
});

describe('secretClient (client-node adapter)', () => {
  test('create, read back decoded, update with the resourceVersion read', async () => {
    const fake = new FakeCluster();
    const client = secretClient(fake.secretApi(), 'ns');
    assert.equal(await client.read('ztgate-tls'), undefined, '404 reads as absent');
    assert.equal(await client.create(record()), 'created');
    assert.equal(fake.secrets.get('ns/ztgate-tls')?.data?.['tls.crt'], Buffer.from('cert ✓\n').toString('base64'), 'stored base64');
    const read = (await client.read('ztgate-tls'))!;
    assert.deepEqual({ ...read, resourceVersion: undefined }, { ...record(), resourceVersion: undefined });
    assert.ok(read.resourceVersion);
    assert.equal(await client.update({ ...read, data: { 'tls.crt': 'new' } }), 'updated');
    assert.equal(await client.update({ ...read, data: { 'tls.crt': 'stale' } }), 'conflict', 'the old resourceVersion loses');
    assert.equal((await client.read('ztgate-tls'))!.data['tls.crt'], 'new');
  });

  test('create of an existing Secret is "exists", update of a deleted one is "missing"', async () => {
    const fake = new FakeCluster();
    const client = secretClient(fake.secretApi(), 'ns');
    await client.create(record());
    assert.equal(await client.create(record()), 'exists');
    assert.equal(await client.update(record({ name: 'gone', resourceVersion: '1' })), 'missing');
  });

  test('other API errors propagate', async () => {
    const fake = new FakeCluster();
    const client = secretClient(fake.secretApi(), 'ns');
    fake.failNext = { count: 3, status: 403 };
    await assert.rejects(client.read('x'), /HTTP 403/);
    await assert.rejects(client.create(record()), /HTTP 403/);
    await assert.rejects(client.update(record()), /HTTP 403/);
  });
});

describe('webhookConfigurationClient (client-node adapter)', () => {
  test('reads one caBundle per webhook and writes the same bundle to all of them', async () => {
    const fake = new FakeCluster();
    fake.register('validating', 'ztgate', ['one.ztgate.io', 'two.ztgate.io']);
    const client = webhookConfigurationClient(fake.webhookApi());
    const ref = { kind: 'validating' as const, name: 'ztgate' };
    const before = await client.read(ref);
    assert.deepEqual(before.caBundles, [undefined, undefined]);
    assert.equal(before.present, true);
    assert.equal(await client.writeCaBundle(ref, 'PEM', before.resourceVersion), 'updated');
    assert.deepEqual(fake.caBundles('validating', 'ztgate'), ['PEM', 'PEM']);
    assert.deepEqual((await client.read(ref)).caBundles, ['PEM', 'PEM']);
    assert.equal(await client.writeCaBundle(ref, 'OTHER', before.resourceVersion), 'conflict', 'changed since it was read');
    assert.deepEqual(fake.caBundles('validating', 'ztgate'), ['PEM', 'PEM']);
  });

  test('an absent configuration reads as not present and cannot be written', async () => {
    const client = webhookConfigurationClient(new FakeCluster().webhookApi());
    const ref = { kind: 'mutating' as const, name: 'ztgate' };
    assert.deepEqual(await client.read(ref), { ref, present: false, caBundles: [] });
    assert.equal(await client.writeCaBundle(ref, 'PEM', undefined), 'missing');
  });
});
