import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { policyAuditEvent } from '../../src/audit/policy-event.js';
import { defaultConfig } from '../../src/config/parse.js';
import { decide } from '../../src/engine/decide.js';
import type { JsonObject } from '../../src/util/json.js';
import { ALICE, admissionRequest, calico, factsFor, FIXED_NOW, ROOT, SECURITY_ADMIN, type RequestOptions } from '../invariants/net/support.js';

/** Review a request through decide() and turn it into its audit event, as the request path does. */
function eventFor(object: JsonObject, options: RequestOptions = {}) {
  const request = admissionRequest(object, options);
  const verdict = decide(request, factsFor(), defaultConfig());
  return policyAuditEvent(request, verdict, FIXED_NOW);
}

const narrowRule = (source: string, action = 'Allow'): JsonObject => ({
  action,
  source: { selector: `app == "${source}"`, serviceAccounts: { names: [source] } },
});

describe('policyAuditEvent', () => {
  test('other kinds produce no event', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: {} };
    assert.equal(eventFor(pod), undefined);
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' } };
    assert.equal(eventFor(configMap), undefined);
  });

  test('an admitted CREATE records who, when, what, the decision and the dry-run flag', () => {
    const policy = calico('NetworkPolicy', 'gate', { tier: 'security', selector: 'app == "api"', ingress: [narrowRule('web')] });
    assert.deepEqual(eventFor(policy, { user: SECURITY_ADMIN }), {
      who: { username: 'sam', groups: ['system:authenticated', 'ztgate:security-admins'] },
      when: '2026-03-01T12:00:00.000Z',
      what: { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', namespace: 'shop', name: 'gate', tier: 'security' },
      operation: 'CREATE',
      decision: { allowed: true, deniedBy: [], flaggedBy: [] },
      dryRun: false,
      uid: 'b3f0d7a2-5c1e-4e8f-9a61-2f4c0d9e7a10',
    });
  });

  test('a denied attempt is recorded with the invariants that denied it', () => {
    const policy = calico('GlobalNetworkPolicy', 'open', { tier: 'security', ingress: [{ action: 'Allow' }] });
    const event = eventFor(policy, { user: ALICE });
    assert.deepEqual(event?.decision, { allowed: false, deniedBy: ['ZT-NET-001', 'ZT-NET-003'], flaggedBy: [] });
    assert.equal(event?.what.namespace, undefined);
  });

  test('warnings and break-glass notices are recorded as flagged, not denied', () => {
    const policy = calico('NetworkPolicy', 'gate', { tier: 'security', selector: 'app == "api"', ingress: [{ action: 'Allow', source: { selector: 'app == "web"' } }] });
    assert.deepEqual(eventFor(policy, { user: ROOT })?.decision, { allowed: true, deniedBy: [], flaggedBy: ['ZT-NET-002', 'ZT-NET-003'] });
  });

  test('a dry run is marked as one', () => {
    const policy = calico('NetworkPolicy', 'gate', {});
    assert.equal(eventFor(policy, { dryRun: true })?.dryRun, true);
  });

  test('DELETE takes the name and tier from oldObject', () => {
    const policy = calico('NetworkPolicy', 'gate', { tier: 'security' });
    const event = eventFor(policy, { operation: 'DELETE', user: SECURITY_ADMIN });
    assert.deepEqual(event?.what, { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', namespace: 'shop', name: 'gate', tier: 'security' });
    assert.equal(event?.operation, 'DELETE');
    assert.equal(event?.change, undefined);
  });

  test('a Tier is its own tier; the crd spelling keeps its group', () => {
    const event = eventFor(calico('Tier', 'platform', { order: 500 }, 'crd'), { user: ALICE });
    assert.deepEqual(event?.what, { apiVersion: 'crd.projectcalico.org/v1', kind: 'Tier', name: 'platform', tier: 'platform' });
    assert.deepEqual(event?.decision.deniedBy, ['ZT-NET-004']);
  });

  test('an event is produced even where ztgate does not evaluate', () => {
    const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'kube-system' }, spec: { ingress: [{}] } };
    const event = eventFor(policy);
    assert.equal(event?.decision.allowed, true);
    assert.match(event?.decision.skipped ?? '', /never evaluated/);
    assert.equal(event?.what.tier, undefined);
  });

  test('subresources are not policy changes', () => {
    assert.equal(eventFor(calico('NetworkPolicy', 'gate', {}), { subResource: 'status' }), undefined);
  });
});

describe('policyAuditEvent change summary (UPDATE)', () => {
  const update = (before: JsonObject, after: JsonObject, user = SECURITY_ADMIN) => eventFor(after, { operation: 'UPDATE', oldObject: before, user });

  test('Calico rules added and removed, selector, order, tier and actions', () => {
    const before = calico('NetworkPolicy', 'gate', {
      tier: 'security',
      order: 100,
      selector: 'app == "api"',
      ingress: [narrowRule('web'), narrowRule('jobs')],
      egress: [narrowRule('db')],
    });
    const after = calico('NetworkPolicy', 'gate', {
      tier: 'default',
      order: 50,
      selector: 'app == "api" && tier == "1"',
      ingress: [narrowRule('web', 'Deny'), narrowRule('jobs'), narrowRule('batch')],
      egress: [narrowRule('db')],
    });
    assert.deepEqual(update(before, after)?.change, {
      specFieldsChanged: ['ingress', 'order', 'selector', 'tier'],
      rules: { ingress: { added: 2, removed: 1 } },
      selectorChanged: true,
      orderChanged: { from: 100, to: 50 },
      tierChanged: { from: 'security', to: 'default' },
      actionChanges: [{ rule: 'ingress[0]', from: 'Allow', to: 'Deny' }],
    });
  });

  test('reordering rules adds and removes nothing, and key order does not matter', () => {
    const before = calico('NetworkPolicy', 'gate', { ingress: [narrowRule('a'), narrowRule('b')] });
    const after = calico('NetworkPolicy', 'gate', { ingress: [narrowRule('b'), { source: { serviceAccounts: { names: ['a'] }, selector: 'app == "a"' }, action: 'Allow' }] });
    assert.deepEqual(update(before, after)?.change, { specFieldsChanged: ['ingress'] });
  });

  test('a metadata-only update changes no spec field', () => {
    const before = calico('NetworkPolicy', 'gate', { ingress: [narrowRule('a')] });
    const after = { ...before, metadata: { name: 'gate', namespace: 'shop', labels: { team: 'x' } } };
    assert.deepEqual(update(before, after)?.change, { specFieldsChanged: [] });
  });

  test('a Tier’s order and defaultAction', () => {
    const before = calico('Tier', 'platform', { order: 100 });
    const after = calico('Tier', 'platform', { order: 10, defaultAction: 'Pass' });
    assert.deepEqual(update(before, after)?.change, {
      specFieldsChanged: ['defaultAction', 'order'],
      orderChanged: { from: 100, to: 10 },
      defaultActionChanged: { from: null, to: 'Pass' },
    });
  });

  test('Kubernetes NetworkPolicy rules and podSelector', () => {
    const np = (spec: JsonObject) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'shop' }, spec });
    const peer = (app: string) => ({ from: [{ podSelector: { matchLabels: { app } } }] });
    const change = update(np({ podSelector: {}, ingress: [peer('a')] }), np({ podSelector: { matchLabels: { app: 'x' } }, ingress: [peer('a'), peer('b')], egress: [] }))?.change;
    assert.deepEqual(change, { specFieldsChanged: ['egress', 'ingress', 'podSelector'], rules: { ingress: { added: 1, removed: 0 } }, selectorChanged: true });
  });

  test('an AuthorizationPolicy’s action and rules', () => {
    const authz = (spec: JsonObject) => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'a', namespace: 'shop' }, spec });
    const rule = { from: [{ source: { namespaces: ['shop'] } }] };
    const change = update(authz({ action: 'ALLOW', rules: [rule] }), authz({ action: 'DENY', rules: [] }))?.change;
    assert.deepEqual(change, {
      specFieldsChanged: ['action', 'rules'],
      rules: { rules: { added: 0, removed: 1 } },
      actionChanges: [{ rule: 'spec', from: 'ALLOW', to: 'DENY' }],
    });
  });

  test('a PeerAuthentication mode change is named by its field', () => {
    const pa = (mode: string) => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'p', namespace: 'shop' }, spec: { mtls: { mode } } });
    const event = update(pa('STRICT'), pa('PERMISSIVE'));
    assert.deepEqual(event?.change, { specFieldsChanged: ['mtls'] });
    assert.deepEqual(event?.decision.deniedBy, ['ZT-NET-006']);
  });
});
