/**
 * ztgate's rules claim ValidatingAdmissionPolicy's CEL. Here kube-apiserver judges it: one list of
 * validations, installed both as a ValidatingAdmissionPolicy (validationActions: Warn, bound to one
 * namespace) and as a ZeroTrustRule in warn mode, and the same dry-run Pods sent through both. Warn on
 * both sides lets one request pass through the policy and reach the webhook, so kubectl prints both
 * verdicts for the same object: for every Pod, the validations the API server says fail must be the ones
 * ztgate says fail, and the ones the table expects (so that two sides failing alike cannot pass).
 * The expressions lean on CEL's optional syntax (`.?`, `[?]`), which ztgate rewrites for its parser, and
 * on Kubernetes' semver library.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { E2E } from '../harness/env.js';
import { assertAdmitted, warningLines } from '../harness/expect.js';
import { pod, type Json, type PodOptions } from '../harness/objects.js';
import { pollUntil } from '../harness/processes.js';

const NAME = 'e2e-vap-parity';
/** Both sides learn of a new policy by a watch. */
const PICKUP_MS = 30_000;
const PROBE_LABEL = 'e2e.ztgate.io/parity-probe';

/** A Pod's claimed version, read leniently (a "v" and a short form allowed); 1.2.0 when it claims none. */
const VERSION = "object.metadata.?annotations[?'e2e/version'].orValue('1.2.0')";
const RELEASE = "object.metadata.?labels[?'e2e/release'].orValue('1.0.0')";

/** Each validation fails with the message `case <index>`; the probe's only fails on the probe Pod. */
const VALIDATIONS: string[] = [
  `!has(object.metadata.labels) || !('${PROBE_LABEL}' in object.metadata.labels)`,
  "object.metadata.?labels[?'team'].orValue('') != 'forbidden'",
  "object.metadata.?annotations[?'e2e/mode'].or(object.metadata.?labels[?'e2e/mode']).orValue('none') != 'bad'",
  'object.spec.containers.all(c, c.?securityContext.?readOnlyRootFilesystem.orValue(false) == false)',
  "object.spec.containers[?1].?name.orValue('') != 'second'",
  "!has(object.metadata.?annotations.owner) || object.metadata.annotations.owner != ''",
  'object.spec.?securityContext.?runAsNonRoot.orValue(true) == true',
  "object.metadata.?labels.?app.orValue('') == '' || object.metadata.labels.app.startsWith('web')",
  // Kubernetes' semver library: normalising and strict parsing, precedence, and equality without build metadata.
  `!isSemver(${VERSION}, true) || !semver(${VERSION}, true).isLessThan(semver('1.2.0'))`,
  `isSemver(${VERSION}, true)`,
  `isSemver(${RELEASE})`,
  `!isSemver(${VERSION}, true) || semver(${VERSION}, true) != semver('1.3.0+build.7')`,
];

function validations(): Json[] {
  return VALIDATIONS.map((expression, i) => ({ expression, message: `case ${i}` }));
}

function policy(namespace: string): Json[] {
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: NAME },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] },
        validations: validations(),
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: NAME },
      spec: {
        policyName: NAME,
        validationActions: ['Warn'],
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } },
      },
    },
    {
      apiVersion: 'ztgate.io/v1alpha1',
      kind: 'ZeroTrustRule',
      metadata: { name: NAME },
      spec: { mode: 'warn', match: { kinds: ['Pod'], namespaces: [namespace] }, validations: validations() },
    },
  ];
}

/** The failing validations each side reports in kubectl's warnings, by index. */
function verdicts(stderr: string[]): { apiServer: number[]; ztgate: number[] } {
  const indexes = (pattern: RegExp) =>
    stderr
      .map((line) => pattern.exec(line)?.[1])
      .filter((index): index is string => index !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  return {
    apiServer: indexes(new RegExp(`^Warning: Validation failed for ValidatingAdmissionPolicy '${NAME}' with binding '${NAME}': case (\\d+)$`)),
    ztgate: indexes(new RegExp(`^Warning: ZT-RULE ${NAME}: case (\\d+)$`)),
  };
}

interface Variant {
  name: string;
  pod: PodOptions;
  failing: number[];
}

const VARIANTS: Variant[] = [
  { name: 'plain', pod: {}, failing: [] },
  { name: 'team-forbidden', pod: { labels: { team: 'forbidden', app: 'web-shop' } }, failing: [1] },
  { name: 'mode-annotation', pod: { annotations: { 'e2e/mode': 'bad' }, labels: { 'e2e/mode': 'fine' } }, failing: [2] },
  { name: 'mode-label', pod: { labels: { 'e2e/mode': 'bad' } }, failing: [2] },
  { name: 'mode-annotation-wins', pod: { annotations: { 'e2e/mode': 'fine' }, labels: { 'e2e/mode': 'bad' } }, failing: [] },
  { name: 'empty-owner', pod: { annotations: { owner: '' } }, failing: [5] },
  { name: 'named-owner', pod: { annotations: { owner: 'payments' }, labels: { app: 'api' } }, failing: [7] },
  { name: 'second-container', pod: { containers: [{}, { name: 'second', securityContext: { readOnlyRootFilesystem: true } }] }, failing: [3, 4] },
  { name: 'runs-as-root', pod: { securityContext: { runAsNonRoot: false } }, failing: [6] },
  { name: 'version-older', pod: { annotations: { 'e2e/version': 'v1.1' } }, failing: [8] },
  { name: 'version-by-number', pod: { annotations: { 'e2e/version': '1.10.0' } }, failing: [] },
  { name: 'version-prerelease', pod: { annotations: { 'e2e/version': '1.2.0-rc.1' } }, failing: [8] },
  { name: 'version-not-semver', pod: { annotations: { 'e2e/version': 'latest' } }, failing: [9] },
  { name: 'version-build-metadata', pod: { annotations: { 'e2e/version': 'v1.3.0+linux' } }, failing: [11] },
  { name: 'release-short', pod: { labels: { 'e2e/release': '1.0' } }, failing: [10] },
];

export function vapParityScenarios(env: () => E2E): void {
  describe('CEL parity with ValidatingAdmissionPolicy', () => {
    test('the same validations judged by kube-apiserver and by ztgate fail for the same Pods', async () => {
      const e = env();
      const ns = await e.namespace('parity', { serviceAccounts: ['web'] });
      for (const object of policy(ns)) assertAdmitted(await e.kubectl(['apply', '-f', '-'], { input: object }), `creating ${String(object['kind'])} ${NAME}`);
      try {
        const probe = pod('parity-probe', ns, { serviceAccountName: 'web', labels: { [PROBE_LABEL]: 'yes' } });
        await pollUntil('both the API server and ztgate apply the new validations', PICKUP_MS, async () => {
          const r = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'bob', input: probe });
          const seen = verdicts(warningLines(r));
          return seen.apiServer.includes(0) && seen.ztgate.includes(0) ? r : undefined;
        });

        const policyStatus = await e.kubectl(['get', 'validatingadmissionpolicy', NAME, '-o', 'jsonpath={.status.typeChecking}']);
        assert.ok(!policyStatus.stdout.includes('expressionWarnings'), `the API server type-checks every expression without a warning: ${policyStatus.stdout}`);

        for (const variant of VARIANTS) {
          const r = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'bob', input: pod(`parity-${variant.name}`, ns, { ...variant.pod, serviceAccountName: 'web' }) });
          assertAdmitted(r, `Pod ${variant.name} (both sides only warn)`);
          const seen = verdicts(warningLines(r));
          assert.deepEqual(seen.ztgate, seen.apiServer, `Pod ${variant.name}: ztgate's failing validations against the API server's; ${r.stderr}`);
          assert.deepEqual(seen.apiServer, variant.failing, `Pod ${variant.name}: the failing validations the table expects; ${r.stderr}`);
        }
      } finally {
        for (const object of policy(ns).reverse()) await e.kubectl(['delete', '--ignore-not-found', '-f', '-'], { input: object });
      }
    });
  });
}
