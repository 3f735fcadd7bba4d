import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isStrictlyMasked, parseIp, parseNetwork } from '../../src/calico/ip.js';
import { referenceParseIp, referenceParseNetwork } from './support/ip-reference.js';

/** Fixed seed and bounded runs: a failure reproduces, and the suite takes the same time every run. */
const RUNS = { seed: 20261123, numRuns: 5000 };

const decimal = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('', '0', '00', '01', '007', '255', '256', '1000', '-1', '+1', ' 1', 'a'));
const hexGroup = fc.oneof(
  fc.integer({ min: 0, max: 0xfffff }).map((n) => n.toString(16)),
  fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16).toUpperCase()),
  fc.constantFrom('', '0', '0000', '00000', 'g', 'fFfF', ' 1', '1.2'),
);
const octet = fc.integer({ min: 0, max: 255 }).map(String);
const quad = fc.oneof(
  fc.array(octet, { minLength: 4, maxLength: 4 }).map((parts) => parts.join('.')),
  fc.array(decimal, { minLength: 2, maxLength: 6 }).map((parts) => parts.join('.')),
);
/** Groups around at most a few `::`, sometimes ending in a dotted quad, so the fuzzer reaches every branch. */
const validHex = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
/** Eight groups, a run of them (possibly empty) replaced by `::`, the last two sometimes as a dotted quad. */
const nearValidIpv6 = fc
  .tuple(fc.array(validHex, { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }), fc.boolean(), fc.boolean(), quad)
  .map(([groups, a, b, gap, v4, dotted]) => {
    const all = v4 ? [...groups.slice(0, 6), dotted] : groups;
    if (!gap) return all.join(':');
    const [from, to] = [Math.min(a, b, all.length), Math.min(Math.max(a, b), all.length)];
    return `${all.slice(0, from).join(':')}::${all.slice(to).join(':')}`;
  });
const ipv6 = fc
  .tuple(fc.array(hexGroup, { maxLength: 9 }), fc.array(hexGroup, { maxLength: 9 }), fc.constantFrom('', '::', ':::', ':', '::::'), fc.option(quad))
  .map(([head, tail, gap, v4]) => `${head.join(':')}${gap}${tail.join(':')}${v4 === null ? '' : `:${v4}`}`);
const prefix = fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 128 }).map((bits) => `/${bits}`), decimal.map((text) => `/${text}`), fc.constantFrom('/', '//', '/32/1', '/ 8'));
const network = fc.tuple(fc.oneof(quad, ipv6, nearValidIpv6), prefix).map(([address, suffix]) => `${address}${suffix}`);
/** Raw text from the characters the grammar uses, and anything at all. */
const noise = fc.oneof(
  fc.array(fc.constantFrom('0', '1', '9', 'a', 'F', '.', ':', '/', '%', ' ', '-', 'é', '😀'), { maxLength: 70 }).map((chars) => chars.join('')),
  fc.string({ unit: 'binary', maxLength: 70 }),
);
const anyText = fc.oneof(network, network, noise);

test('parseNetwork agrees with the reference parser on every input, bare addresses allowed or not', () => {
  fc.assert(
    fc.property(anyText, fc.boolean(), (text, bare) => {
      assert.deepEqual(parseNetwork(text, bare), referenceParseNetwork(text, bare), JSON.stringify(text));
    }),
    RUNS,
  );
});

test('parseIp agrees with the reference parser', () => {
  fc.assert(
    fc.property(anyText, (text) => {
      assert.deepEqual(parseIp(text), referenceParseIp(text), JSON.stringify(text));
    }),
    RUNS,
  );
});

test('the fuzzer reaches valid IPv4 and IPv6 networks and masked ones, not only rejections', () => {
  const seen = { v4: 0, v6: 0, masked: 0, invalid: 0 };
  fc.assert(
    fc.property(network, (text) => {
      const parsed = parseNetwork(text);
      if (!parsed) seen.invalid++;
      else {
        seen[parsed.version === 4 ? 'v4' : 'v6']++;
        if (parsed.hasPrefix && isStrictlyMasked(parsed)) seen.masked++;
      }
    }),
    RUNS,
  );
  for (const [kind, count] of Object.entries(seen)) assert.ok(count > 50, `${kind}: only ${count} of ${RUNS.numRuns}`);
});
