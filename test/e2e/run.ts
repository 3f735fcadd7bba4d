/**
 * The e2e suite: one control plane, one ztgate, every scenario in its own namespaces, in this order.
 * The policy pack comes after the Calico scenario (which `kubectl create`s the Tier the pack updates).
 * Fail modes stop and restart ztgate; rotation comes last because a stop after a certificate reload
 * currently waits for the API server's connections to time out (see README).
 *
 *   npm run test:e2e
 *   node --import tsx --test --test-reporter=spec --test-concurrency=1 test/e2e/run.ts
 */
import { after, before, describe } from 'node:test';
import { setupEnv, type E2E } from './harness/env.js';
import { auditScenarios } from './scenarios/audit.js';
import { calicoScenarios } from './scenarios/calico.js';
import { celRandomParityScenarios } from './scenarios/cel-random-parity.js';
import { celTypesParityScenarios } from './scenarios/cel-types-parity.js';
import { customRuleScenarios } from './scenarios/custom-rules.js';
import { failModeScenarios } from './scenarios/fail-modes.js';
import { identityLabelScenarios } from './scenarios/identity-labels.js';
import { injectionScenarios } from './scenarios/injection.js';
import { istioScenarios } from './scenarios/istio.js';
import { namespaceScenarios } from './scenarios/namespaces.js';
import { policyPackScenarios } from './scenarios/policy-pack.js';
import { registrationScenarios } from './scenarios/registration.js';
import { reinvocationScenarios } from './scenarios/reinvocation.js';
import { rotationScenarios } from './scenarios/rotation.js';
import { scopeScenarios } from './scenarios/scope.js';
import { serviceScenarios } from './scenarios/services.js';
import { vapParityScenarios } from './scenarios/vap-parity.js';
import { warnModeScenarios } from './scenarios/warn-mode.js';
import { workloadDenialScenarios } from './scenarios/workload-denials.js';

const log = (line: string): void => void process.stderr.write(`# e2e ${line}\n`);

let current: E2E | undefined;
function env(): E2E {
  if (!current) throw new Error('the e2e environment is not set up (see the failure of the suite\'s before hook)');
  return current;
}

// A cold run builds kube-apiserver, kubectl and etcd first (about 11 minutes on 2 cores).
const SETUP_TIMEOUT_MS = 60 * 60 * 1000;

describe('ztgate against a real kube-apiserver', { timeout: SETUP_TIMEOUT_MS + 20 * 60 * 1000 }, () => {
  const started = Date.now();
  before(async () => {
    current = await setupEnv(log);
    log(`setup: ${Date.now() - started} ms`);
  }, { timeout: SETUP_TIMEOUT_MS });
  after(async () => {
    const e = current;
    current = undefined;
    if (e) {
      const t0 = Date.now();
      await e.teardown();
      log(`teardown: ${Date.now() - t0} ms`);
    }
    log(`suite wall time: ${Date.now() - started} ms`);
  });

  registrationScenarios(env);
  injectionScenarios(env);
  workloadDenialScenarios(env);
  scopeScenarios(env);
  calicoScenarios(env);
  istioScenarios(env);
  policyPackScenarios(env);
  identityLabelScenarios(env);
  warnModeScenarios(env);
  customRuleScenarios(env);
  vapParityScenarios(env);
  celRandomParityScenarios(env);
  celTypesParityScenarios(env);
  namespaceScenarios(env);
  serviceScenarios(env);
  auditScenarios(env);
  reinvocationScenarios(env);
  failModeScenarios(env);
  rotationScenarios(env);
});
