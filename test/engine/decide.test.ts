import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/parse.js';
import { podInvariants } from '../../src/invariants/pod/index.js';
import { basePod, MESH, NOW, review, withFields } from '../invariants/pod/fixtures.js';

const netAdmin = withFields(basePod(), { 'spec.containers[1].securityContext.capabilities.add': ['NET_ADMIN'] });

/** One Pod that breaks every Pod invariant a CREATE can break (ZT-POD-001 to 007). */
const everything = withFields(basePod(), {
  'spec.serviceAccountName': 'default',
  'spec.hostNetwork': true,
  'spec.containers[0].securityContext': { capabilities: { add: ['NET_ADMIN'] }, runAsUser: 1337 },
  'metadata.annotations[traffic.sidecar.istio.io/excludeOutboundIPRanges]': '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16',
  'metadata.annotations[sidecar.istio.io/inject]': 'false',
  'metadata.labels[ztgate.io/service-account]': 'payments-ledger-writer',
});
const EVERYTHING_IDS = ['ZT-POD-001', 'ZT-POD-002', 'ZT-POD-003', 'ZT-POD-004', 'ZT-POD-005', 'ZT-POD-006', 'ZT-POD-007'];

function exception(fields: Record<string, unknown>) {
  return parseConfig(
    { exceptions: [{ name: 'net-debug', invariants: ['ZT-POD-003'], namespaces: ['shop'], reason: 'packet capture for ticket OPS-12', ...fields }] },
    'test',
  );
}

describe('exceptions', () => {
  test('the fixture breaks ZT-POD-003 alone', () => {
    assert.deepEqual(review(netAdmin).denials.map((denial) => denial.invariantId), ['ZT-POD-003']);
  });

  const noEffect: [string, Record<string, unknown>][] = [
    ['expired yesterday', { expires: '2026-08-31T12:00:00Z' }],
    ['expired at this very instant', { expires: NOW.toISOString() }],
    ['expired at the start of today (a bare date)', { expires: '2026-09-01' }],
    ['for another invariant', { invariants: ['ZT-POD-002'] }],
    ['for another namespace', { namespaces: ['legacy'] }],
    ['for other objects', { objectSelector: { matchLabels: { app: 'debug' } } }],
    ['for namespaces with another label', { namespaces: [], namespaceSelector: { matchLabels: { team: 'sre' } } }],
  ];
  for (const [name, fields] of noEffect) {
    test(`one ${name} has no effect`, () => {
      const verdict = review(netAdmin, { config: exception(fields), namespaceLabels: { team: 'shop' } });
      assert.equal(verdict.allowed, false);
      assert.deepEqual(verdict.auditAnnotations, {});
      assert.equal(verdict.violations[0]?.exceptedBy, undefined);
    });
  }

  const applies: [string, Record<string, unknown>][] = [
    ['expiring tomorrow', { expires: '2026-09-02T12:00:00Z' }],
    ['expiring a second from now', { expires: '2026-09-01T12:00:01Z' }],
    ['without expiry', {}],
    ['matching the object', { objectSelector: { matchLabels: { app: 'api' } } }],
    ['matching the namespace by label', { namespaces: [], namespaceSelector: { matchLabels: { team: 'shop' } } }],
  ];
  for (const [name, fields] of applies) {
    test(`one ${name} allows the Pod with an auditAnnotation`, () => {
      const verdict = review(netAdmin, { config: exception(fields), namespaceLabels: { team: 'shop' } });
      assert.equal(verdict.allowed, true);
      assert.deepEqual(verdict.warnings, []);
      assert.deepEqual(verdict.auditAnnotations, { 'exception-ZT-POD-003': 'net-debug: packet capture for ticket OPS-12' });
      assert.deepEqual(
        verdict.violations.map((violation) => [violation.invariantId, violation.exceptedBy]),
        [['ZT-POD-003', 'net-debug']],
      );
    });
  }

  test('covers only the invariants it names', () => {
    const verdict = review(withFields(netAdmin, { 'spec.hostNetwork': true }), { config: exception({}) });
    assert.deepEqual(verdict.denials.map((denial) => denial.invariantId), ['ZT-POD-002']);
    assert.deepEqual(Object.keys(verdict.auditAnnotations), ['exception-ZT-POD-003']);
  });
});

describe('modes', () => {
  const allIn = (mode: string) => parseConfig({ invariants: Object.fromEntries(EVERYTHING_IDS.map((id) => [id, mode])) }, 'test');

  test('enforce (the default) denies each violation', () => {
    const verdict = review(everything, { namespaceLabels: MESH });
    assert.equal(verdict.allowed, false);
    assert.deepEqual([...new Set(verdict.denials.map((denial) => denial.invariantId))], EVERYTHING_IDS);
  });

  test('warn allows, with one warning of at most 120 characters per violation', () => {
    const verdict = review(everything, { namespaceLabels: MESH, config: allIn('warn') });
    assert.equal(verdict.allowed, true);
    assert.deepEqual(verdict.denials, []);
    assert.equal(verdict.warnings.length, verdict.violations.length);
    assert.ok(verdict.violations.length >= EVERYTHING_IDS.length);
    assert.ok(verdict.warnings.some((warning) => warning.endsWith('…')), 'the fixture should include a message long enough to be cut');
    verdict.warnings.forEach((warning, i) => {
      assert.ok(warning.length <= 120, `${warning.length}: ${warning}`);
      assert.ok(warning.startsWith(`${verdict.violations[i]!.invariantId}: `), warning);
    });
  });

  test('warn set per invariant leaves the others enforced', () => {
    const config = parseConfig({ invariants: { 'ZT-POD-003': { mode: 'warn' } } }, 'test');
    const verdict = review(withFields(netAdmin, { 'spec.hostNetwork': true }), { config });
    assert.deepEqual(verdict.denials.map((denial) => denial.invariantId), ['ZT-POD-002']);
    assert.equal(verdict.warnings.length, 1);
    assert.match(verdict.warnings[0]!, /^ZT-POD-003: container "cache" adds capability NET_ADMIN/);
  });

  test('audit allows silently and records each violation in an auditAnnotation', () => {
    const verdict = review(everything, { namespaceLabels: MESH, config: allIn('audit') });
    assert.equal(verdict.allowed, true);
    assert.deepEqual(verdict.warnings, []);
    assert.deepEqual(Object.keys(verdict.auditAnnotations).sort(), EVERYTHING_IDS.map((id) => `audit-${id}`));
    assert.match(verdict.auditAnnotations['audit-ZT-POD-002']!, /^ZT-POD-002: the Pod sets hostNetwork: true \(spec\.hostNetwork\); /);
  });

  test('off does not run the invariant at all', () => {
    const verdict = review(everything, { namespaceLabels: MESH, config: allIn('off') });
    assert.deepEqual(verdict, { allowed: true, denials: [], warnings: [], auditAnnotations: {}, violations: [] });
  });

  test('every workload invariant defaults to enforce in protected namespaces', () => {
    for (const invariant of podInvariants) assert.deepEqual([invariant.id, invariant.defaultMode, invariant.scope], [invariant.id, 'enforce', 'protected']);
  });
});

describe('scope', () => {
  for (const namespace of ['kube-system', 'kube-public', 'kube-node-lease', 'ztgate-system']) {
    test(`${namespace} is never evaluated`, () => {
      const verdict = review(everything, { namespace, namespaceLabels: MESH });
      assert.equal(verdict.allowed, true);
      assert.deepEqual(verdict.violations, []);
      assert.match(verdict.skipped ?? '', new RegExp(namespace));
    });
  }

  test("ztgate's namespace is never evaluated when the config moves it", () => {
    const config = parseConfig({ ztgateNamespace: 'security' }, 'test');
    assert.ok(review(everything, { namespace: 'security', config }).skipped);
    assert.equal(review(everything, { namespace: 'ztgate-system', config }).allowed, false);
  });

  test('excluded namespaces get nothing, others are still protected', () => {
    const config = parseConfig({ protection: { excludeNamespaces: ['sandbox'] } }, 'test');
    const excluded = review(everything, { namespace: 'sandbox', namespaceLabels: MESH, config });
    assert.deepEqual([excluded.allowed, excluded.violations, excluded.warnings], [true, [], []]);
    assert.equal(review(everything, { namespace: 'shop', namespaceLabels: MESH, config }).allowed, false);
  });

  test('namespaces outside the protection selector get nothing', () => {
    const config = parseConfig({ protection: { namespaceSelector: { matchLabels: { 'ztgate.io/protected': 'true' } } } }, 'test');
    assert.deepEqual(review(everything, { namespaceLabels: MESH, config }).violations, []);
    const inside = review(everything, { namespaceLabels: { ...MESH, 'ztgate.io/protected': 'true' }, config });
    assert.equal(inside.allowed, false);
  });
});
