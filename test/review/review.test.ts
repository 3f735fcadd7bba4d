import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig, parseConfig } from '../../src/config/parse.js';
import { StaticNamespaceSource } from '../../src/facts/static.js';
import type { FailurePolicy } from '../../src/manifests/names.js';
import { runReview, type ReviewDeps } from '../../src/review/review.js';
import { namespace } from '../support/app.js';
import { pod, reviewOf } from '../support/reviews.js';

const namespaces = new StaticNamespaceSource([namespace('shop'), namespace('sandbox'), namespace('istio-system')]);
const sandboxExcluded = parseConfig({ protection: { excludeNamespaces: ['sandbox'] } }, 'test');

/** A clock that jumps 5 s between its readings: every decision overruns its budget. */
function slowClock(): () => number {
  let now = 0;
  return () => (now += 5000);
}

function deps(overrides: Partial<ReviewDeps> = {}): ReviewDeps {
  return { config: defaultConfig(), namespaces, now: new Date('2026-11-23T00:00:00Z'), ...overrides };
}

describe('the internal deadline', () => {
  test('validate in a protected namespace answers with its own explicit denial', () => {
    const outcome = runReview('validate', reviewOf(pod({ serviceAccountName: 'web' })), deps({ clock: slowClock() }));
    assert.ok(outcome.ok);
    assert.equal(outcome.deadlineExceeded, true);
    assert.equal(outcome.response.allowed, false);
    assert.match(outcome.response.status!.message, /^ztgate: deadline exceeded: .*over ztgate's 2000 ms deadline; denied because namespace shop is protected/);
  });
  test('validate outside protection allows with a warning', () => {
    const review = reviewOf(pod({ serviceAccountName: 'web' }, { namespace: 'sandbox' }));
    const outcome = runReview('validate', review, deps({ config: sandboxExcluded, clock: slowClock() }));
    assert.ok(outcome.ok);
    assert.equal(outcome.response.allowed, true);
    assert.match(outcome.response.warnings![0]!, /validation skipped/);
  });
  test('a refusal the decision reached is kept, outside protection too: a non-owner’s policy in a protected tier', () => {
    const policy = {
      apiVersion: 'projectcalico.org/v3',
      kind: 'NetworkPolicy',
      metadata: { name: 'security.open-sandbox', namespace: 'sandbox' },
      spec: { tier: 'security', selector: 'all()', ingress: [{ action: 'Allow', source: { selector: 'app == "web"', serviceAccounts: { names: ['web'] } } }] },
    };
    const outcome = runReview('validate', reviewOf(policy, { userInfo: { username: 'bob', groups: ['system:authenticated'] } }), deps({ config: sandboxExcluded, clock: slowClock() }));
    assert.ok(outcome.ok);
    assert.equal(outcome.deadlineExceeded, true);
    assert.equal(outcome.response.allowed, false);
    assert.match(outcome.response.status!.message, /^ZT-NET-003: /);
  });
  test('a refusal the decision reached keeps its own message in a protected namespace', () => {
    const outcome = runReview('validate', reviewOf(pod({ serviceAccountName: 'default' })), deps({ clock: slowClock() }));
    assert.ok(outcome.ok);
    assert.equal(outcome.deadlineExceeded, true);
    assert.match(outcome.response.status!.message, /^ZT-POD-001/);
  });
  test('validate from a fail-closed webhook outside protection refuses: external-ips.ztgate.io sent a Service it would have admitted', () => {
    const service = {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'claims', namespace: 'sandbox' },
      spec: { selector: { app: 'claims' }, ports: [{ port: 80 }], externalIPs: ['203.0.113.7'] },
    };
    const config = parseConfig({ protection: { excludeNamespaces: ['sandbox'] }, policy: { allowedExternalIPs: ['203.0.113.0/24'] } }, 'test');
    for (const [failurePolicy, allowed] of [['Fail', false], ['Ignore', true], [undefined, true]] as const) {
      const outcome = runReview('validate', reviewOf(service), deps({ config, clock: slowClock(), failurePolicy }));
      assert.ok(outcome.ok);
      assert.equal(outcome.deadlineExceeded, true);
      assert.equal(outcome.response.allowed, allowed, `failurePolicy ${failurePolicy}`);
      if (!allowed) assert.match(outcome.response.status!.message, /^ztgate: deadline exceeded: validating this Service .*; denied because the webhook that sent it fails closed \(failurePolicy: Fail\)\. Retry/);
    }
  });
  test('validate of what only fail-closed webhooks send refuses outside protection, whatever the path: an owner’s Calico policy', () => {
    const policy = {
      apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'security.web', namespace: 'sandbox' },
      spec: { tier: 'security', selector: 'app == "web"', ingress: [{ action: 'Allow', source: { selector: 'app == "api"', serviceAccounts: { names: ['api'] } } }] },
    };
    const owner = { username: 'alice', groups: ['ztgate:security-admins', 'system:authenticated'] };
    const admitted = runReview('validate', reviewOf(policy, { userInfo: owner }), deps({ config: sandboxExcluded }));
    assert.ok(admitted.ok);
    assert.equal(admitted.response.allowed, true, 'within the budget the owner’s policy is admitted');
    const outcome = runReview('validate', reviewOf(policy, { userInfo: owner }), deps({ config: sandboxExcluded, clock: slowClock() }));
    assert.ok(outcome.ok);
    assert.equal(outcome.response.allowed, false);
    assert.match(outcome.response.status!.message, /denied because ztgate guards this NetworkPolicy in every namespace\. Retry/);
  });
  test('mutate allows without a patch and warns', () => {
    const outcome = runReview('mutate', reviewOf(pod({ serviceAccountName: 'web' })), deps({ clock: slowClock() }));
    assert.ok(outcome.ok);
    assert.equal(outcome.response.allowed, true);
    assert.equal(outcome.response.patch, undefined);
    assert.match(outcome.response.warnings![0]!, /mutation skipped/);
  });
  test('a decision within the budget is answered normally', () => {
    const outcome = runReview('validate', reviewOf(pod({ serviceAccountName: 'default' })), deps());
    assert.ok(outcome.ok);
    assert.equal(outcome.deadlineExceeded, undefined);
    assert.match(outcome.response.status!.message, /^ZT-POD-001/);
  });
});

describe('modes through the core', () => {
  const cases: { mode: string; allowed: boolean; warnings: number; annotations: number }[] = [
    { mode: 'enforce', allowed: false, warnings: 0, annotations: 0 },
    { mode: 'warn', allowed: true, warnings: 1, annotations: 0 },
    { mode: 'audit', allowed: true, warnings: 0, annotations: 1 },
    { mode: 'off', allowed: true, warnings: 0, annotations: 0 },
  ];
  for (const { mode, allowed, warnings, annotations } of cases) {
    test(`ZT-POD-001 in ${mode} mode`, () => {
      const config = parseConfig({ invariants: { 'ZT-POD-001': mode } }, 'test');
      const outcome = runReview('validate', reviewOf(pod({ serviceAccountName: 'default' })), deps({ config }));
      assert.ok(outcome.ok);
      assert.equal(outcome.response.allowed, allowed);
      assert.equal(outcome.response.warnings?.length ?? 0, warnings);
      assert.equal(Object.keys(outcome.response.auditAnnotations ?? {}).length, annotations);
      if (annotations) assert.match(outcome.response.auditAnnotations!['audit-ZT-POD-001']!, /^ZT-POD-001: /);
    });
  }
});

describe('an internal error while validating', () => {
  /** The default config, but reading its modes throws: decide fails after the request is decoded. */
  function brokenConfig() {
    const config = parseConfig({ protection: { excludeNamespaces: ['sandbox', 'istio-system'] } }, 'test');
    return Object.defineProperty({ ...config }, 'modes', {
      get() {
        throw new Error('modes unreadable');
      },
    });
  }
  const policy = {
    apiVersion: 'projectcalico.org/v3',
    kind: 'NetworkPolicy',
    metadata: { name: 'security.open', namespace: 'sandbox' },
    spec: { tier: 'security', selector: 'all()', ingress: [{ action: 'Allow' }] },
  };
  const relabel = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sandbox', labels: { team: 'b' } } };
  const meshWide = { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } } };

  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'claims', namespace: 'sandbox' },
    spec: { selector: { app: 'claims' }, ports: [{ port: 80 }], externalIPs: ['203.0.113.7'] },
  };
  const route = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reroute', namespace: 'sandbox' },
    spec: { hosts: ['reviews.payments.svc.cluster.local'], http: [{ route: [{ destination: { host: 'mine' } }] }] },
  };

  /**
   * [what, review, the failurePolicy its path says (undefined: /validate), allowed, message or warning].
   * Any reason to fail closed is enough: the path adds refusals, it never takes one away.
   */
  const CASES: [string, ReturnType<typeof reviewOf>, FailurePolicy | undefined, boolean, RegExp][] = [
    ['a Pod in a protected namespace is refused', reviewOf(pod({ serviceAccountName: 'web' })), undefined, false, /^ztgate: internal error while validating, denied because namespace shop is protected: modes unreadable$/],
    ['a Pod in a protected namespace is refused, even from a fail-open webhook (a stale registration)', reviewOf(pod({ serviceAccountName: 'web' })), 'Ignore', false, /denied because namespace shop is protected/],
    ['a Pod outside protection is admitted with a warning', reviewOf(pod({ serviceAccountName: 'web' }, { namespace: 'sandbox' })), undefined, true, /^ztgate: validation skipped after an internal error: modes unreadable$/],
    ['a Pod outside protection from unprotected-N (Ignore) is admitted with a warning', reviewOf(pod({ serviceAccountName: 'web' }, { namespace: 'sandbox' })), 'Ignore', true, /validation skipped after an internal error/],
    ['a Calico policy outside protection is refused (only calico.ztgate.io, which fails closed, sends it)', reviewOf(policy), undefined, false, /denied because ztgate guards this NetworkPolicy in every namespace: modes unreadable$/],
    ['a namespace relabelled outside protection is refused (only namespaces.ztgate.io sends it)', reviewOf(relabel, { namespace: 'sandbox', operation: 'UPDATE', oldObject: { ...relabel, metadata: { name: 'sandbox', labels: { team: 'a' } } } }), undefined, false, /denied because ztgate guards this Namespace in every namespace/],
    ['a namespace created outside protection is admitted (new-namespaces.ztgate.io fails open)', reviewOf(relabel, { namespace: 'sandbox' }), 'Ignore', true, /validation skipped after an internal error/],
    ['a Service adding an external IP outside protection, from external-ips.ztgate.io (Fail), is refused', reviewOf(service), 'Fail', false, /^ztgate: internal error while validating, denied because the webhook that sent it fails closed \(failurePolicy: Fail\): modes unreadable$/],
    ['a VirtualService routing another namespace outside protection, from mesh-routing.ztgate.io (Fail), is refused', reviewOf(route), 'Fail', false, /denied because the webhook that sent it fails closed/],
    ['the same Service on /validate, whose sender is unknown, is admitted with a warning (unprotected-N sends Services too)', reviewOf(service), undefined, true, /validation skipped after an internal error/],
    ['a PeerAuthentication in the Istio root namespace, excluded from protection, is refused whatever the path', reviewOf(meshWide), 'Ignore', false, /^ztgate: internal error while validating, denied because Istio applies this PeerAuthentication to every workload from its root namespace istio-system: modes unreadable$/],
    ['a Pod in the Istio root namespace, excluded from protection, is admitted with a warning', reviewOf(pod({ serviceAccountName: 'web' }, { namespace: 'istio-system' })), 'Ignore', true, /validation skipped after an internal error/],
  ];
  for (const [what, review, failurePolicy, allowed, text] of CASES) {
    test(what, () => {
      const outcome = runReview('validate', review, deps({ config: brokenConfig(), failurePolicy }));
      assert.ok(outcome.ok);
      assert.ok(outcome.internalError, 'the error is reported');
      assert.equal(outcome.response.allowed, allowed);
      assert.match(allowed ? outcome.response.warnings![0]! : outcome.response.status!.message, text);
    });
  }
});
