import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  coversHosts,
  inspectBundle,
  inspectCertificate,
  isIssuedBy,
  keyMatchesCertificate,
  splitPemBundle,
} from '../../src/tls/inspect.js';
import { parseHosts } from '../../src/tls/hosts.js';
import { issueClientCertificate } from '../../src/tls/pki.js';
import { DAY_MS, NOW, opensslVerify, scratchDir, testCa, testLeaf, writePems } from './helpers.js';

const dir = scratchDir('pki');

describe('createCertificateAuthority', () => {
  const ca = testCa('ztgate test CA');
  const facts = inspectCertificate(ca.certPem);

  test('is a CA that only signs leaves, with LF line ends', () => {
    const x509 = new X509Certificate(ca.certPem);
    assert.equal(facts.isCa, true);
    assert.equal(facts.subject, 'CN=ztgate test CA');
    assert.ok(!ca.certPem.includes('\r') && !ca.keyPem.includes('\r'));
    assert.equal(x509.checkIssued(x509), true, 'self-signed');
    assert.ok(keyMatchesCertificate(ca.certPem, ca.keyPem));
  });

  test('lives validityDays from now, backdated an hour for clock skew', () => {
    assert.equal(facts.notAfter.getTime(), NOW.getTime() + 3650 * DAY_MS);
    assert.equal(facts.notBefore.getTime(), NOW.getTime() - 3_600_000);
  });

  test('two CAs never share a serial number or key', () => {
    const other = testCa('ztgate test CA');
    assert.notEqual(new X509Certificate(other.certPem).serialNumber, new X509Certificate(ca.certPem).serialNumber);
    assert.ok(!keyMatchesCertificate(other.certPem, ca.keyPem));
  });
});

describe('issueServingCertificate', () => {
  const ca = testCa();
  const hosts = ['ztgate.ztgate-system.svc', '*.example.org', '10.0.0.1', 'fd00::5'];
  const leaf = testLeaf(ca, hosts);
  const facts = inspectCertificate(leaf.certPem);

  test('is signed by the CA and openssl agrees', () => {
    assert.ok(isIssuedBy(leaf.certPem, ca.certPem));
    assert.ok(!isIssuedBy(leaf.certPem, testCa().certPem), 'not by another CA of the same name');
    const paths = writePems(dir, { 'ca.pem': ca.certPem, 'leaf.pem': leaf.certPem });
    // -attime: the certificates are issued for NOW (2030), not for the clock of the test machine.
    const verified = opensslVerify(paths['ca.pem']!, paths['leaf.pem']!, ['-attime', String(NOW.getTime() / 1000 + 60), '-purpose', 'sslserver']);
    assert.ok(verified.ok, verified.output);
  });

  test('carries every host as a SAN of the right type, the first as CN', () => {
    assert.deepEqual(facts.dnsNames, ['ztgate.ztgate-system.svc', '*.example.org']);
    assert.deepEqual(facts.ipAddresses, ['10.0.0.1', 'fd00::5']);
    assert.equal(facts.subject, 'CN=ztgate.ztgate-system.svc');
    assert.equal(facts.isCa, false);
    assert.ok(coversHosts(facts, parseHosts(hosts)));
    assert.ok(!coversHosts(facts, parseHosts(['other.example'])));
  });

  test('never outlives its CA', () => {
    const shortCa = testCa('short', NOW, 30);
    const capped = inspectCertificate(testLeaf(shortCa, ['a.example'], NOW, 365).certPem);
    assert.equal(capped.notAfter.getTime(), inspectCertificate(shortCa.certPem).notAfter.getTime());
  });

  test('refuses no hosts and bad hosts', () => {
    assert.throws(() => testLeaf(ca, []), /at least one host/);
    assert.throws(() => testLeaf(ca, ['bad host']), /invalid host "bad host"/);
  });
});

describe('issueClientCertificate', () => {
  test('is for client authentication only and openssl accepts it as such', () => {
    const ca = testCa();
    const client = issueClientCertificate({ ca, commonName: 'kube-apiserver', validityDays: 30, now: NOW });
    const paths = writePems(dir, { 'client-ca.pem': ca.certPem, 'client.pem': client.certPem });
    const at = ['-attime', String(NOW.getTime() / 1000 + 60)];
    assert.ok(opensslVerify(paths['client-ca.pem']!, paths['client.pem']!, [...at, '-purpose', 'sslclient']).ok);
    assert.ok(!opensslVerify(paths['client-ca.pem']!, paths['client.pem']!, [...at, '-purpose', 'sslserver']).ok);
    assert.equal(inspectCertificate(client.certPem).subject, 'CN=kube-apiserver');
  });
});

describe('inspect', () => {
  const ca = testCa();
  const other = testCa('other');

  test('splitPemBundle keeps certificate blocks and drops the rest', () => {
    const bundle = `# comment\n${ca.certPem}\n\ngarbage\n${other.certPem}`;
    assert.deepEqual(splitPemBundle(bundle), [ca.certPem, other.certPem]);
  });

  const broken: [string, string, RegExp][] = [
    ['empty text', '', /no PEM certificate block/],
    ['a key instead of a certificate', ca.keyPem, /no PEM certificate block/],
    ['two certificates', ca.certPem + other.certPem, /holds 2 certificates/],
    ['a damaged block', ca.certPem.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!'), /not a PEM certificate/],
  ];
  for (const [what, text, message] of broken) {
    test(`inspectCertificate refuses ${what}`, () => assert.throws(() => inspectCertificate(text), message));
  }

  test('inspectBundle reads every certificate and refuses a damaged one', () => {
    assert.deepEqual(inspectBundle(ca.certPem + other.certPem).map((f) => f.subject), ['CN=test CA', 'CN=other']);
    assert.throws(() => inspectBundle(''), /no PEM certificate block/);
  });

  test('keyMatchesCertificate is false for garbage rather than throwing', () => {
    assert.equal(keyMatchesCertificate(ca.certPem, 'not a key'), false);
    assert.equal(keyMatchesCertificate('not a cert', ca.keyPem), false);
    assert.equal(isIssuedBy('not a cert', ca.certPem), false);
  });
});
