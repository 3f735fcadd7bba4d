import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalIp, parseHost, parseHosts, serviceHosts } from '../../src/tls/hosts.js';

describe('parseHost', () => {
  const valid: [string, string, string][] = [
    ['localhost', 'dns', 'localhost'],
    ['ztgate.ztgate-system.svc', 'dns', 'ztgate.ztgate-system.svc'],
    ['Example.COM.', 'dns', 'example.com'],
    ['*.example.com', 'dns', '*.example.com'],
    ['127.0.0.1', 'ip', '127.0.0.1'],
    ['::1', 'ip', '::1'],
    ['[::1]', 'ip', '::1'],
    ['0:0:0:0:0:0:0:1', 'ip', '::1'],
    ['FE80::0001', 'ip', 'fe80::1'],
  ];
  for (const [input, type, value] of valid) {
    test(`${input} → ${type} ${value}`, () => assert.deepEqual(parseHost(input), { type, value }));
  }

  const invalid = ['', 'under_score.example', '-leading.example', 'a..b', '*.com', 'foo.*.example.com', 'x'.repeat(64), 'ztgate svc'];
  for (const input of invalid) {
    test(`rejects ${JSON.stringify(input)} and names it`, () => {
      assert.throws(() => parseHost(input), (error: Error) => error.message.includes(JSON.stringify(input)));
    });
  }
});

describe('hosts helpers', () => {
  test('parseHosts drops duplicates, keeping the first spelling and the order', () => {
    assert.deepEqual(parseHosts(['a.example', '::1', 'A.example', '0::1', '10.0.0.1']), [
      { type: 'dns', value: 'a.example' },
      { type: 'ip', value: '::1' },
      { type: 'ip', value: '10.0.0.1' },
    ]);
  });

  test('canonicalIp renders OpenSSL-style IPv6 the way parseHost does', () => {
    assert.equal(canonicalIp('FE80:0:0:0:0:0:0:1'), 'fe80::1');
    assert.equal(canonicalIp('10.1.2.3'), '10.1.2.3');
  });

  test('serviceHosts lists the four in-cluster names', () => {
    assert.deepEqual(serviceHosts('ztgate', 'ztgate-system'), [
      'ztgate',
      'ztgate.ztgate-system',
      'ztgate.ztgate-system.svc',
      'ztgate.ztgate-system.svc.cluster.local',
    ]);
  });
});
