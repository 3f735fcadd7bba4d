import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { certsCommand } from '../../src/cli/certs.js';
import { canonicalIp } from '../../src/tls/hosts.js';
import { runCommand } from '../deploy/io.js';
import { opensslVerify, scratchDir } from './helpers.js';

const root = scratchDir('certs-command');

/** SANs as openssl prints them, as `DNS:x` / `IP:x` with IPs canonicalised. */
function opensslSans(certFile: string): string[] {
  const result = spawnSync('openssl', ['x509', '-in', certFile, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const line = result.stdout.split('\n')[1]?.trim() ?? '';
  return line.split(', ').map((entry) => (entry.startsWith('IP Address:') ? `IP:${canonicalIp(entry.slice(11))}` : entry));
}

/** SANs as node's X509Certificate reports them, same notation. */
function nodeSans(certPem: string): string[] {
  return (new X509Certificate(certPem).subjectAltName ?? '')
    .split(', ')
    .map((entry) => (entry.startsWith('IP Address:') ? `IP:${canonicalIp(entry.slice(11))}` : entry));
}

const cases: { name: string; args: string[]; sans: string[] }[] = [
  {
    name: 'a loopback host',
    args: ['--host', '127.0.0.1'],
    sans: ['IP:127.0.0.1', 'DNS:localhost', 'IP:::1'],
  },
  {
    name: 'DNS names, IPv4 and IPv6',
    args: ['--host', 'webhook.example.com', '--host', '10.96.0.10', '--host', 'fd00::a', '--host', '*.ztgate.test'],
    sans: ['DNS:webhook.example.com', 'IP:10.96.0.10', 'IP:fd00::a', 'DNS:*.ztgate.test', 'DNS:localhost', 'IP:127.0.0.1', 'IP:::1'],
  },
  {
    name: 'a Service',
    args: ['--service', 'ztgate', '--namespace', 'security'],
    sans: ['DNS:ztgate', 'DNS:ztgate.security', 'DNS:ztgate.security.svc', 'DNS:ztgate.security.svc.cluster.local', 'DNS:localhost', 'IP:127.0.0.1', 'IP:::1'],
  },
];

describe('ztgate certs', () => {
  for (const [i, { name, args, sans }] of cases.entries()) {
    test(`${name}: openssl verifies tls.crt against ca.crt and it has every SAN`, async () => {
      const out = join(root, `case-${i}`);
      const result = await runCommand(certsCommand, ['--out', out, ...args]);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /wrote ca\.crt, tls\.crt, tls\.key/);
      const verified = opensslVerify(join(out, 'ca.crt'), join(out, 'tls.crt'), ['-purpose', 'sslserver']);
      assert.ok(verified.ok, verified.output);
      assert.match(verified.output, /tls\.crt: OK/);
      assert.deepEqual(opensslSans(join(out, 'tls.crt')).sort(), [...sans].sort());
      assert.deepEqual(nodeSans(readFileSync(join(out, 'tls.crt'), 'utf8')).sort(), [...sans].sort());
      assert.equal(statSync(join(out, 'tls.key')).mode & 0o777, 0o600, 'the key is private');
      const key = readFileSync(join(out, 'tls.key'), 'utf8');
      assert.ok(new X509Certificate(readFileSync(join(out, 'tls.crt'))).checkPrivateKey(createPrivateKey(key)));
    });
  }

  test('a second run replaces the files with a new CA', async () => {
    const out = join(root, 'twice');
    await runCommand(certsCommand, ['--out', out]);
    const first = readFileSync(join(out, 'ca.crt'), 'utf8');
    await runCommand(certsCommand, ['--out', out]);
    assert.notEqual(readFileSync(join(out, 'ca.crt'), 'utf8'), first);
    assert.ok(opensslVerify(join(out, 'ca.crt'), join(out, 'tls.crt')).ok);
  });

  test('--days sets the serving lifetime', async () => {
    const out = join(root, 'days');
    await runCommand(certsCommand, ['--out', out, '--days', '7']);
    const cert = new X509Certificate(readFileSync(join(out, 'tls.crt')));
    const lifetime = new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime();
    assert.equal(lifetime, 7 * 86_400_000 + 3_600_000, 'seven days plus the one-hour backdate');
  });

  test('--client writes a client certificate the same CA verifies for client use', async () => {
    const out = join(root, 'client');
    const result = await runCommand(certsCommand, ['--out', out, '--client', 'kube-apiserver']);
    assert.match(result.stdout, /client\.crt, client\.key/);
    assert.ok(opensslVerify(join(out, 'ca.crt'), join(out, 'client.crt'), ['-purpose', 'sslclient']).ok);
    assert.equal(statSync(join(out, 'client.key')).mode & 0o777, 0o600);
  });

  const bad: [string, string[], RegExp][] = [
    ['no --out', ['--host', 'a.example'], /--out DIR is required/],
    ['a bad host', ['--out', join(root, 'bad'), '--host', 'not a host'], /invalid host "not a host"/],
    ['a bad --days', ['--out', join(root, 'bad'), '--days', 'ten'], /--days/],
    ['--namespace without --service', ['--out', join(root, 'bad'), '--namespace', 'x'], /only applies with --service/],
    ['an unknown flag', ['--out', join(root, 'bad'), '--force'], /force/],
    ['a positional argument', ['certs-dir'], /certs-dir/],
  ];
  for (const [what, args, message] of bad) {
    test(`refuses ${what} with a usage error`, async () => {
      await assert.rejects(runCommand(certsCommand, args), (error: Error) => error.name === 'UsageError' && message.test(error.message));
    });
  }
});
