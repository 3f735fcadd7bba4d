import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry } from 'prom-client';
import { ReviewHistogram } from '../../src/http/review-histogram.js';
import { ADMISSION_SECONDS_BUCKETS, Metrics } from '../../src/http/metrics.js';

const LABELS = ['webhook', 'kind', 'operation', 'allowed'] as const;
type Labels = Record<(typeof LABELS)[number], string>;

function pair() {
  const ours = new Registry();
  const theirs = new Registry();
  const fast = new ReviewHistogram('t_seconds', 'help with "quotes" and \\ backslash', LABELS, ADMISSION_SECONDS_BUCKETS, ours);
  const reference = new Histogram({ name: 't_seconds', help: 'help with "quotes" and \\ backslash', labelNames: LABELS, buckets: [...ADMISSION_SECONDS_BUCKETS], registers: [theirs] });
  return { ours, theirs, observe: (labels: Labels, value: number) => (fast.observe(labels, value), reference.observe(labels, value)) };
}

const validate: Labels = { webhook: 'validate', kind: 'Pod', operation: 'CREATE', allowed: 'true' };

describe('the review duration histogram', () => {
  test('scrapes exactly as prom-client’s Histogram for the same observations', async () => {
    const { ours, theirs, observe } = pair();
    const values = [0, 0.0001, 0.0005, 0.00050001, 0.001, 0.003, 0.01, 0.2, 1, 2.5, 2.5000001, 10, 1e9];
    const labelSets: Labels[] = [
      validate,
      { ...validate, allowed: 'false' },
      { webhook: 'mutate', kind: 'Deployment', operation: 'UPDATE', allowed: 'true' },
      // Values that need escaping in the exposition format, and two sets a naive join would merge.
      { webhook: 'validate', kind: 'a"b\\c\nd', operation: 'CREATE', allowed: 'true' },
      { webhook: 'ab', kind: 'c', operation: '', allowed: 'true' },
      { webhook: 'a', kind: 'bc', operation: '', allowed: 'true' },
    ];
    labelSets.forEach((labels, i) => values.forEach((value, j) => (i + j) % 3 !== 2 && observe(labels, value)));
    assert.equal(await ours.metrics(), await theirs.metrics());
  });

  test('no observations, and after a reset, scrape as prom-client’s do', async () => {
    const { ours, theirs, observe } = pair();
    assert.equal(await ours.metrics(), await theirs.metrics());
    observe(validate, 0.002);
    ours.resetMetrics();
    theirs.resetMetrics();
    assert.equal(await ours.metrics(), await theirs.metrics());
    observe(validate, 0.004);
    assert.equal(await ours.metrics(), await theirs.metrics());
  });

  test('refuses a value that is not a finite number, as prom-client does, and counts nothing for it', async () => {
    const { ours, observe } = pair();
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => observe(validate, value), TypeError);
    assert.doesNotMatch(await ours.metrics(), /t_seconds_count/);
  });

  test('refuses bucket bounds that do not increase, and a histogram without labels', () => {
    assert.throws(() => new ReviewHistogram('u_seconds', 'h', LABELS, [0.1, 0.1], new Registry()), /bucket bounds must increase/);
    assert.throws(() => new ReviewHistogram('u_seconds', 'h', [], [0.1], new Registry()), /at least one label name/);
  });

  test('is what ztgate’s registry exposes as ztgate_admission_duration_seconds', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    metrics.admissionSeconds.observe(validate, 0.0007);
    const text = await metrics.registry.metrics();
    assert.match(text, /# TYPE ztgate_admission_duration_seconds histogram/);
    assert.match(text, /ztgate_admission_duration_seconds_bucket\{le="0.0005",webhook="validate",kind="Pod",operation="CREATE",allowed="true"\} 0/);
    assert.match(text, /ztgate_admission_duration_seconds_bucket\{le="0.001",webhook="validate",kind="Pod",operation="CREATE",allowed="true"\} 1/);
    assert.match(text, /ztgate_admission_duration_seconds_count\{webhook="validate",kind="Pod",operation="CREATE",allowed="true"\} 1/);
  });
});
