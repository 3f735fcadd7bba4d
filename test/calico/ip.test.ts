import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCatchAll, isStrictlyMasked, networkContains, parseIp, parseNetwork } from '../../src/calico/ip.js';

/** [text, version, prefix, strictly masked, catch-all] or [text, undefined] for text Go refuses. */
const CASES: ([string, 4 | 6, number, boolean, boolean] | [string, undefined])[] = [
  ['10.0.0.0/8', 4, 8, true, false],
  ['10.0.0.1/8', 4, 8, false, false],
  ['0.0.0.0/0', 4, 0, true, true],
  ['1.2.3.4', 4, 32, true, false],
  ['1.2.3.4/32', 4, 32, true, false],
  ['1.2.3.0/26', 4, 26, true, false],
  ['1.2.3.64/26', 4, 26, true, false],
  ['1.2.3.65/26', 4, 26, false, false],
  ['::/0', 6, 0, true, true],
  ['::0/0', 6, 0, true, true],
  ['0:0:0::/0', 6, 0, true, true],
  ['aabb:aabb::/128', 6, 128, true, false],
  ['aabb:aabb::0000/122', 6, 122, true, false],
  ['aabb:aabb::ffff/122', 6, 122, false, false],
  ['fe80::/10', 6, 10, true, false],
  ['::ffff:1.2.3.4/128', 6, 128, true, false],
  ['1:2:3:4:5:6:7:8/64', 6, 64, false, false],
  ['1:2:3:4:5:6:7::/112', 6, 112, true, false],
  ['256.0.0.0/8', undefined],
  ['01.2.3.4/32', undefined],
  ['1.2.3/24', undefined],
  ['1.2.3.4/33', undefined],
  ['1.2.3.4/', undefined],
  ['1.2.3.4/-1', undefined],
  ['::/129', undefined],
  ['1::2::3/64', undefined],
  ['1:2:3:4:5:6:7:8::/64', undefined],
  ['12345::/16', undefined],
  ['fe80::1%eth0/64', undefined],
  ['', undefined],
  ['example.com/24', undefined],
];

for (const [text, version, prefix, masked, catchAll] of CASES) {
  test(`${JSON.stringify(text)} → ${version === undefined ? 'invalid' : `IPv${version}/${prefix}`}`, () => {
    const network = parseNetwork(text);
    if (version === undefined) {
      assert.equal(network, undefined);
      return;
    }
    assert.ok(network);
    assert.equal(network.version, version);
    assert.equal(network.prefix, prefix);
    assert.equal(isStrictlyMasked(network), masked);
    assert.equal(isCatchAll(network), catchAll);
  });
}

test('a bare address is refused where a prefix is required', () => {
  assert.equal(parseNetwork('1.2.3.4', false), undefined);
  assert.equal(parseNetwork('1.2.3.4/32', false)?.hasPrefix, true);
});

/** [network, address, contained] */
const CONTAINS: [string, string, boolean][] = [
  ['10.0.0.0/8', '10.255.1.2', true],
  ['10.0.0.0/8', '11.0.0.0', false],
  ['203.0.113.0/25', '203.0.113.127', true],
  ['203.0.113.0/25', '203.0.113.128', false],
  ['203.0.113.7', '203.0.113.7', true],
  ['203.0.113.7', '203.0.113.6', false],
  ['203.0.113.4/30', '203.0.113.7', true],
  ['0.0.0.0/0', '198.51.100.1', true],
  ['0.0.0.0/0', '2001:db8::1', false],
  ['2001:db8::/32', '2001:db8:ffff::1', true],
  ['2001:db8::/33', '2001:db8:8000::1', false],
  ['2001:db8::/121', '2001:db8::7f', true],
  ['2001:db8::/121', '2001:db8::80', false],
  ['::/0', '::1', true],
  ['10.0.0.0/8', '::ffff:10.0.0.1', false],
];

for (const [networkText, addressText, contained] of CONTAINS) {
  test(`${networkText} ${contained ? 'contains' : 'does not contain'} ${addressText}`, () => {
    const network = parseNetwork(networkText);
    const address = parseIp(addressText);
    assert.ok(network && address);
    assert.equal(networkContains(network, address), contained);
  });
}
