import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { policyNotices } from '../../../src/calico/config.js';
import { ConfigError } from '../../../src/config/reader.js';
import { denialLine } from '../../../src/engine/messages.js';
import type { JsonObject, JsonValue } from '../../../src/util/json.js';
import { configWith, expectFindingPaths, findingsOf, review } from './support.js';

const ID = 'ZT-NET-008';

function service(externalIPs: JsonValue[] | undefined, namespace = 'shop'): JsonObject {
  const spec: JsonObject = { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] };
  if (externalIPs !== undefined) spec['externalIPs'] = externalIPs;
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace }, spec };
}

const ALLOWING = configWith({ policy: { allowedExternalIPs: ['198.51.100.0/24', '203.0.113.10', '2001:db8:1::/48'] } });

/** [description, externalIPs, old externalIPs (UPDATE) or undefined (CREATE), allowing config?, finding paths] */
const CASES: [string, JsonValue[] | undefined, JsonValue[] | undefined, boolean, string[]][] = [
  ['no externalIPs', undefined, undefined, false, []],
  ['an empty list', [], undefined, false, []],
  ['one address, none allowed', ['203.0.113.9'], undefined, false, ['spec.externalIPs[0]']],
  ['two addresses, none allowed', ['203.0.113.9', '10.96.0.10'], undefined, false, ['spec.externalIPs[0]', 'spec.externalIPs[1]']],
  ['an IPv6 address, none allowed', ['2001:db8:1::5'], undefined, false, ['spec.externalIPs[0]']],
  ['inside an allowed range', ['198.51.100.77'], undefined, true, []],
  ['the one allowed address', ['203.0.113.10'], undefined, true, []],
  ['next to the one allowed address', ['203.0.113.11'], undefined, true, ['spec.externalIPs[0]']],
  ['inside an allowed IPv6 range', ['2001:db8:1:ffff::1'], undefined, true, []],
  ['outside the IPv6 range', ['2001:db8:2::1'], undefined, true, ['spec.externalIPs[0]']],
  ['an IPv4-mapped IPv6 spelling of an allowed address', ['::ffff:198.51.100.77'], undefined, true, ['spec.externalIPs[0]']],
  ['one allowed, one not', ['198.51.100.1', '192.0.2.1'], undefined, true, ['spec.externalIPs[1]']],
  ['not an address (offline input)', ['mitm.example.com'], undefined, true, ['spec.externalIPs[0]']],
  ['a CIDR instead of an address', ['198.51.100.0/24'], undefined, true, ['spec.externalIPs[0]']],
  ['a number instead of a string', [3405803786], undefined, true, ['spec.externalIPs[0]']],
  ['an update that keeps an address held before', ['203.0.113.9'], ['203.0.113.9'], false, []],
  ['an update that adds an address', ['203.0.113.9', '192.0.2.1'], ['203.0.113.9'], false, ['spec.externalIPs[1]']],
  ['an update that removes one', ['203.0.113.9'], ['203.0.113.9', '192.0.2.1'], false, []],
  ['an update that swaps an address for another', ['192.0.2.2'], ['192.0.2.1'], false, ['spec.externalIPs[0]']],
  ['an update of a Service that had none', ['192.0.2.1'], [], false, ['spec.externalIPs[0]']],
];

describe('ZT-NET-008', () => {
  for (const [description, ips, oldIps, allowing, paths] of CASES) {
    test(`${description} → ${paths.length === 0 ? 'allowed' : 'denied'}`, () => {
      const options = oldIps === undefined ? {} : { operation: 'UPDATE' as const, oldObject: service(oldIps) };
      expectFindingPaths(ID, service(ips), paths, options, allowing ? ALLOWING : undefined);
    });
  }

  test('the message names the address, the field, the CVE and what is allowed', () => {
    const denied = review(service(['203.0.113.9']), {}, ALLOWING).denials;
    assert.equal(denied.length, 1);
    assert.equal(
      denialLine(denied[0]!),
      'ZT-NET-008: the Service claims external IP 203.0.113.9, outside policy.allowedExternalIPs (spec.externalIPs[0]); every node then routes the cluster’s traffic for that address to this Service, so it can intercept connections meant for a host it does not own (CVE-2020-8554). Remove it from spec.externalIPs and expose the Service with type LoadBalancer, an Ingress or a Gateway, or ask the security team to add its range to policy.allowedExternalIPs (allowed: 198.51.100.0/24, 203.0.113.10, 2001:db8:1::/48).',
    );
    assert.match(denialLine(review(service(['203.0.113.9'])).denials[0]!), /\(none are allowed\)\.$/);
  });

  test('it runs in namespaces outside protection too: the address is intercepted for every namespace', () => {
    const config = configWith({ protection: { excludeNamespaces: ['sandbox'] } });
    assert.deepEqual(findingsOf(review(service(['203.0.113.9'], 'sandbox'), {}, config), ID).length, 1);
    assert.equal(review(service(['203.0.113.9'], 'sandbox'), {}, config).allowed, false);
  });

  test('never in the system namespaces', () => {
    assert.equal(review(service(['203.0.113.9'], 'kube-system')).allowed, true);
  });

  test('deleting a Service that claims an address is allowed, and so is writing its status', () => {
    assert.equal(review(service(['203.0.113.9']), { operation: 'DELETE' }).allowed, true);
    const status = review(service(['203.0.113.9']), { operation: 'UPDATE', oldObject: service([]), subResource: 'status' });
    assert.deepEqual(findingsOf(status, ID), []);
  });

  test('an exception for ZT-NET-008 in a namespace lets its Services claim addresses', () => {
    const config = configWith({
      exceptions: [{ name: 'legacy-edge', invariants: ['ZT-NET-008'], namespaces: ['edge'], reason: 'bare-metal ingress on 203.0.113.0/28' }],
    });
    assert.equal(review(service(['203.0.113.9'], 'edge'), {}, config).allowed, true);
    assert.equal(review(service(['203.0.113.9'], 'shop'), {}, config).allowed, false);
  });

  test('warn mode admits with a warning', () => {
    const verdict = review(service(['203.0.113.9']), {}, configWith({ invariants: { 'ZT-NET-008': 'warn' } }));
    assert.equal(verdict.allowed, true);
    assert.match(verdict.warnings[0] ?? '', /^ZT-NET-008: /);
  });
});

describe('policy.allowedExternalIPs', () => {
  test('none by default', () => {
    assert.deepEqual(configWith({}).policy.allowedExternalIPs, []);
  });

  /** [entry, expected error] */
  const ERRORS: [JsonValue, string][] = [
    ['203.0.113.0/33', 'policy.allowedExternalIPs[0]: "203.0.113.0/33" is not an IP address or CIDR'],
    ['mitm.example.com', 'policy.allowedExternalIPs[0]: "mitm.example.com" is not an IP address or CIDR'],
    ['10.0.0.1/8', 'policy.allowedExternalIPs[0]: "10.0.0.1/8" has bits set after its /8 prefix; write the network address'],
    [42, 'policy.allowedExternalIPs[0]: expected a string'],
  ];
  for (const [entry, message] of ERRORS) {
    test(`refuses ${JSON.stringify(entry)}`, () => {
      assert.throws(
        () => configWith({ policy: { allowedExternalIPs: [entry] } }),
        (error: unknown) => error instanceof ConfigError && error.message.startsWith(message),
      );
    });
  }

  test('allowing every address of a family loads, and is reported, since it switches ZT-NET-008 off for that family', () => {
    const config = configWith({ policy: { allowedExternalIPs: ['0.0.0.0/0', '2001:db8::/32'] } });
    assert.deepEqual(policyNotices(config.policy), [
      'policy.allowedExternalIPs lists 0.0.0.0/0, so any Service may claim any IPv4 address (ZT-NET-008); list only the ranges you route to the cluster',
    ]);
    assert.equal(review(service(['192.0.2.1']), {}, config).allowed, true);
    assert.equal(review(service(['2001:db9::1']), {}, config).allowed, false);
  });
});
