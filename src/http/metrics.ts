import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { ReviewHistogram } from './review-histogram.js';

export const ADMISSION_SECONDS_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** One registry per app instance, so tests and several apps in a process never share counters. */
export class Metrics {
  readonly registry = new Registry();

  readonly admissionSeconds = new ReviewHistogram(
    'ztgate_admission_duration_seconds',
    'Time to answer one AdmissionReview, from body parsed to answer built',
    ['webhook', 'kind', 'operation', 'allowed'] as const,
    ADMISSION_SECONDS_BUCKETS,
    this.registry,
  );

  readonly decisions = new Counter({
    name: 'ztgate_invariant_decisions_total',
    help: 'Violations found per invariant id and what came of them (denied, warned, audited, excepted, notice)',
    labelNames: ['invariant', 'result'] as const,
    registers: [this.registry],
  });

  readonly badRequests = new Counter({
    name: 'ztgate_bad_requests_total',
    help: 'AdmissionReviews rejected with a coded error before any decision',
    labelNames: ['webhook', 'code'] as const,
    registers: [this.registry],
  });

  readonly internalErrors = new Counter({
    name: 'ztgate_internal_errors_total',
    help: 'Reviews answered by the fail-safe path after an internal error',
    labelNames: ['webhook'] as const,
    registers: [this.registry],
  });

  readonly deadlineExceeded = new Counter({
    name: 'ztgate_deadline_exceeded_total',
    help: 'Reviews answered with the deadline answer (validate: deny in protected namespaces; mutate: allow without patch)',
    labelNames: ['webhook'] as const,
    registers: [this.registry],
  });

  readonly mutationsRecalled = new Counter({
    name: 'ztgate_mutations_recalled_total',
    help: 'Mutations answered from an identical earlier request (replicas of one Pod template) instead of deciding again',
    registers: [this.registry],
  });

  readonly shed = new Counter({
    name: 'ztgate_shed_requests_total',
    help: 'Reviews refused with 503 OVERLOADED before any work, because of too many in flight or a stalled event loop',
    registers: [this.registry],
  });

  readonly certificateErrors = new Counter({
    name: 'ztgate_certificate_errors_total',
    help: 'Certificate files refused on reload, or certificate manager steps that failed (the old certificate stays)',
    registers: [this.registry],
  });

  readonly configReloads = new Counter({
    name: 'ztgate_config_reloads_total',
    help: 'Config file reloads by result (applied, rejected)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly ruleLoadErrors = new Gauge({
    name: 'ztgate_rule_load_errors',
    help: 'Custom rules in the current config that failed to load',
    registers: [this.registry],
  });

  readonly registrationDifferences = new Gauge({
    name: 'ztgate_registration_differences',
    help: 'Differences between the registered webhook configurations and what the config renders (-1: they could not be read)',
    registers: [this.registry],
  });

  readonly buildInfo = new Gauge({
    name: 'ztgate_build_info',
    help: 'Always 1; its labels say which ztgate and node a replica runs, so a rollout can be followed',
    labelNames: ['version', 'node'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }
}
