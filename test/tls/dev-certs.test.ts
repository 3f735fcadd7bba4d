import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LOOPBACK_HOSTS, ensureDevCertificates, generateCertificates, writeCertificateFiles } from '../../src/tls/dev-certs.js';
import { parseHosts } from '../../src/tls/hosts.js';
import { coversHosts, inspectCertificate, isIssuedBy } from '../../src/tls/inspect.js';
import { DAY_MS, scratchDir } from './helpers.js';

const root = scratchDir('dev-certs');
let n = 0;
const fresh = () => join(root, `dir-${n++}`);

function onDisk(dir: string) {
  return {
    caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    certPem: readFileSync(join(dir, 'tls.crt'), 'utf8'),
    keyPem: readFileSync(join(dir, 'tls.key'), 'utf8'),
  };
}

describe('ensureDevCertificates', () => {
  test('creates a CA and a serving certificate for the hosts plus loopback, key 0600', async () => {
    const dir = fresh();
    const result = await ensureDevCertificates(dir, ['ztgate.local', '192.168.1.9']);
    assert.equal(result.created, true);
    assert.deepEqual({ caPem: result.caPem, certPem: result.certPem, keyPem: result.keyPem }, onDisk(dir));
    const leaf = inspectCertificate(result.certPem);
    assert.ok(coversHosts(leaf, parseHosts(['ztgate.local', '192.168.1.9', ...LOOPBACK_HOSTS])));
    assert.ok(isIssuedBy(result.certPem, result.caPem));
    assert.equal(statSync(join(dir, 'tls.key')).mode & 0o777, 0o600);
  });

  test('loads what is there when it is usable', async () => {
    const dir = fresh();
    const first = await ensureDevCertificates(dir, ['a.example']);
    const second = await ensureDevCertificates(dir, ['a.example']);
    assert.equal(second.created, false);
    assert.equal(second.certPem, first.certPem);
    assert.equal(second.caPem, first.caPem);
  });

  const spoilers: [string, (dir: string) => void, string[]][] = [
    ['the key is garbage', (dir) => writeFileSync(join(dir, 'tls.key'), 'garbage'), ['a.example']],
    ['the certificate is garbage', (dir) => writeFileSync(join(dir, 'tls.crt'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), ['a.example']],
    ['ca.crt is missing', (dir) => writeFileSync(join(dir, 'ca.crt'), ''), ['a.example']],
    ['the certificate is from another CA', (dir) => writeFileSync(join(dir, 'ca.crt'), generateCertificates([]).caPem), ['a.example']],
    ['a new host is asked for', () => {}, ['a.example', 'b.example']],
    [
      'the certificate expired',
      (dir) => writeCertificateFiles(dir, generateCertificates(['a.example'], { now: new Date(Date.now() - 3 * DAY_MS), validityDays: 1 })),
      ['a.example'],
    ],
  ];
  for (const [what, spoil, hosts] of spoilers) {
    test(`makes new ones when ${what}`, async () => {
      const dir = fresh();
      const first = await ensureDevCertificates(dir, ['a.example']);
      spoil(dir);
      const second = await ensureDevCertificates(dir, hosts);
      assert.equal(second.created, true);
      assert.notEqual(second.certPem, first.certPem);
      assert.deepEqual({ caPem: second.caPem, certPem: second.certPem, keyPem: second.keyPem }, onDisk(dir));
      assert.ok(isIssuedBy(second.certPem, second.caPem));
      assert.ok(inspectCertificate(second.certPem).notAfter.getTime() > Date.now());
    });
  }

  test('a bad host is an error and touches nothing', async () => {
    const dir = fresh();
    const first = await ensureDevCertificates(dir, ['a.example']);
    await assert.rejects(ensureDevCertificates(dir, ['bad host']), /invalid host "bad host"/);
    assert.equal(onDisk(dir).certPem, first.certPem);
  });
});
