/** What the runs mean: per-scenario summaries, ratios, targets, growth of the scaling series, Markdown. */
import type { CacheReading } from './cache-probe.js';
import { Histogram } from './histogram.js';

export type ScenarioId = 'ceiling' | 'ztgate-validate' | 'ztgate-mutate' | 'ztgate-mutate-distinct' | 'ztgate-calico' | 'pepr-validate' | 'pepr-mutate';

export interface RunRecord {
  scenario: string;
  connections: number;
  rep: number;
  durationMs: number;
  requests: number;
  errors: number;
  errorSamples: string[];
  statuses: Record<string, number>;
  rps: number;
  p50: number;
  p975: number;
  p99: number;
  max: number;
  cpuPerReview: number;
  rssPeakMB: number;
  rssMB: number;
  /** Share of one core the server and the load generator used during the run (1 = a whole core). */
  serverBusy: number;
  clientBusy: number;
  /** Scaling series only: bench/cache-probe.ts read just before and just after the run. */
  cacheReadings?: CacheReading[];
  /** Kept in memory for merging; not written to the results file. */
  histogram?: Histogram;
}

export interface Summary {
  scenario: string;
  connections: number;
  runs: number;
  rps: number;
  rpsRuns: number[];
  p50: number;
  p975: number;
  p99: number;
  cpuPerReview: number;
  rssPeakMB: number;
  errors: number;
  non200: number;
  serverBusy: number;
  clientBusy: number;
}

export interface Target {
  name: string;
  goal: string;
  value: string;
  met: boolean | null;
  note?: string;
}

const round = (value: number, digits = 0): number => (Number.isFinite(value) ? Number(value.toFixed(digits)) : NaN);

export function summarise(runs: RunRecord[]): Summary[] {
  const groups = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const key = `${run.scenario}@${run.connections}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((group) => {
    const merged = new Histogram();
    for (const run of group) if (run.histogram) merged.add(run.histogram);
    const requests = group.reduce((s, r) => s + r.requests, 0);
    const seconds = group.reduce((s, r) => s + r.durationMs / 1000, 0);
    const cpu = group.reduce((s, r) => s + r.cpuPerReview * r.requests, 0);
    const first = group[0]!;
    return {
      scenario: first.scenario,
      connections: first.connections,
      runs: group.length,
      rps: round(requests / seconds),
      rpsRuns: group.map((r) => round(r.rps)),
      p50: round(merged.percentile(50)),
      p975: round(merged.percentile(97.5)),
      p99: round(merged.percentile(99)),
      cpuPerReview: round(cpu / requests),
      rssPeakMB: Math.max(...group.map((r) => r.rssPeakMB)),
      errors: group.reduce((s, r) => s + r.errors, 0),
      non200: group.reduce((s, r) => s + Object.entries(r.statuses).reduce((n, [status, count]) => n + (status === '200' ? 0 : count), 0), 0),
      serverBusy: round(group.reduce((s, r) => s + r.serverBusy, 0) / group.length, 2),
      clientBusy: round(group.reduce((s, r) => s + r.clientBusy, 0) / group.length, 2),
    };
  });
}

function find(summaries: Summary[], scenario: string, connections: number): Summary | undefined {
  return summaries.find((s) => s.scenario === scenario && s.connections === connections);
}

export interface Ratio {
  name: string;
  connections: number;
  rps?: number;
  cpu?: number;
  p50?: number;
}

const PAIRS: [string, string, string][] = [
  ['validate / ceiling', 'ztgate-validate', 'ceiling'],
  ['mutate / ceiling', 'ztgate-mutate', 'ceiling'],
  ['mutate, distinct Pods / ceiling', 'ztgate-mutate-distinct', 'ceiling'],
  ['calico / ceiling', 'ztgate-calico', 'ceiling'],
  ['validate / Pepr validate', 'ztgate-validate', 'pepr-validate'],
  ['mutate / Pepr mutate', 'ztgate-mutate', 'pepr-mutate'],
  ['mutate, distinct Pods / Pepr mutate', 'ztgate-mutate-distinct', 'pepr-mutate'],
];

export function ratios(summaries: Summary[], connectionLevels: number[]): Ratio[] {
  const out: Ratio[] = [];
  for (const [name, a, b] of PAIRS) {
    for (const connections of connectionLevels) {
      const x = find(summaries, a, connections);
      const y = find(summaries, b, connections);
      if (!x || !y) continue;
      out.push({ name, connections, rps: round(x.rps / y.rps, 2), cpu: round(x.cpuPerReview / y.cpuPerReview, 2), p50: round(x.p50 / y.p50, 2) });
    }
  }
  return out;
}

function ratioTarget(list: Ratio[], name: string, connections: number, field: 'rps' | 'cpu' | 'capacity', test: (v: number) => boolean, goal: string, label: string): Target {
  const found = list.find((r) => r.name === name && r.connections === connections);
  // What req/s would be with the server alone on a full core: the inverse of the CPU ratio.
  const ratio = field === 'capacity' ? (found?.cpu ? round(1 / found.cpu, 2) : undefined) : found?.[field];
  return {
    name: `${label} (${connections} conn.)`,
    goal,
    value: ratio === undefined || Number.isNaN(ratio) ? 'not measured' : `${ratio.toFixed(2)}×`,
    met: ratio === undefined || Number.isNaN(ratio) ? null : test(ratio),
  };
}

/** A quick run proves the harness only: its figures are shown, never judged. */
export function withoutVerdicts(list: Target[]): Target[] {
  return list.map((t) => ({ ...t, met: null, note: 'quick run: not judged' }));
}

export function targets(list: Ratio[], connectionLevels: number[], ztgateRssMB: number | undefined, cel: CelVerdict): Target[] {
  const out: Target[] = [];
  for (const c of connectionLevels) {
    out.push(ratioTarget(list, 'validate / ceiling', c, 'rps', (v) => v >= 0.85, '≥ 0.85× ceiling req/s', 'validate req/s'));
    out.push(ratioTarget(list, 'validate / ceiling', c, 'cpu', (v) => v <= 1.25, '≤ 1.25× ceiling CPU/review', 'validate CPU/review'));
    out.push(ratioTarget(list, 'mutate / ceiling', c, 'rps', (v) => v >= 0.6, '≥ 0.6× ceiling req/s', 'mutate req/s'));
    out.push(ratioTarget(list, 'validate / Pepr validate', c, 'rps', (v) => v >= 4, '≥ 4× Pepr req/s', 'validate vs Pepr'));
    out.push(ratioTarget(list, 'mutate / Pepr mutate', c, 'rps', (v) => v >= 4, '≥ 4× Pepr req/s', 'mutate vs Pepr'));
  }
  // On a shared machine the server rarely has its core to itself, and measured req/s then says more
  // about the neighbours than about ztgate; reviews per CPU-second is what a full core would serve.
  const c = Math.max(...connectionLevels);
  out.push(ratioTarget(list, 'validate / ceiling', c, 'capacity', (v) => v >= 0.85, '≥ 0.85× ceiling req/s', 'validate reviews per CPU-second'));
  out.push(ratioTarget(list, 'mutate / ceiling', c, 'capacity', (v) => v >= 0.6, '≥ 0.6× ceiling req/s', 'mutate reviews per CPU-second'));
  out.push(ratioTarget(list, 'validate / Pepr validate', c, 'capacity', (v) => v >= 4, '≥ 4× Pepr req/s', 'validate vs Pepr, reviews per CPU-second'));
  out.push(ratioTarget(list, 'mutate / Pepr mutate', c, 'capacity', (v) => v >= 4, '≥ 4× Pepr req/s', 'mutate vs Pepr, reviews per CPU-second'));
  out.push({
    name: '100 CEL rules',
    goal: '≤ 2× CPU/review of 0 rules',
    value: cel.ratio === undefined ? cel.reason : `${cel.ratio.toFixed(2)}×`,
    met: cel.ratio === undefined ? null : cel.ratio <= 2,
  });
  out.push({
    name: 'ztgate peak RSS under load',
    goal: '< 150 MB',
    value: ztgateRssMB === undefined ? 'not measured' : `${ztgateRssMB.toFixed(0)} MB`,
    met: ztgateRssMB === undefined ? null : ztgateRssMB < 150,
  });
  return out;
}

export interface CelVerdict {
  ratio?: number;
  reason: string;
}

export interface SeriesPoint {
  n: number;
  requests: number;
  cpuPerReview: number;
  p50: number;
  p99: number;
  rps: number;
  /** Every reading of bench/cache-probe.ts around this point's runs. */
  cacheReadings?: CacheReading[];
}

export interface Growth {
  unit: string;
  /** CPU µs and p50 µs added per unit between each pair of neighbouring points. */
  steps: { from: number; to: number; cpuPerUnit: number; p50PerUnit: number }[];
  /** d log(added cost) / d log(added units) over the last two points: 1 is linear. */
  exponent?: number;
  superlinear: boolean;
  /** Flagged, and the shared cache was contended around the largest point's runs (see CONTENDED_SHARE). */
  cacheContended?: boolean;
  verdict: string;
}

/**
 * When a read in 8 MB takes at least this share of a read from memory, the L3 is not ztgate's. On this
 * machine 8 MB reads take 15-30 ns against memory's ~150 (0.1-0.2) when the L3 is the server's and the
 * load generator's, and 90-115 ns (0.6-0.75) while another tenant of the host streams through it; the
 * 1,000-CEL-rule server ran 1.3-5× slower in rounds read like that (bench/README.md, "Cache contention").
 */
export const CONTENDED_SHARE = 0.5;

function cacheContention(largest: SeriesPoint | undefined): CacheReading | undefined {
  const readings = largest?.cacheReadings ?? [];
  if (readings.length === 0) return undefined;
  const worst = readings.reduce((a, b) => (b.sharedCacheNs / b.memoryNs > a.sharedCacheNs / a.memoryNs ? b : a));
  return worst.sharedCacheNs >= CONTENDED_SHARE * worst.memoryNs ? worst : undefined;
}

/**
 * How cost grows with n. The cost added over the smallest point is compared between the two largest
 * points: linear growth gives an exponent near 1; above 1.25 the series is flagged superlinear. Added
 * costs below 5% of the base (or 2 µs) are within the noise and give no exponent.
 */
export function growth(points: SeriesPoint[], unit: string): Growth {
  const sorted = [...points].sort((a, b) => a.n - b.n);
  const steps = sorted.slice(1).map((point, i) => {
    const prev = sorted[i]!;
    const dn = point.n - prev.n;
    return { from: prev.n, to: point.n, cpuPerUnit: round((point.cpuPerReview - prev.cpuPerReview) / dn, 2), p50PerUnit: round((point.p50 - prev.p50) / dn, 2) };
  });
  const base = sorted[0];
  const last = sorted[sorted.length - 1];
  const prev = sorted[sorted.length - 2];
  let exponent: number | undefined;
  if (base && last && prev && prev !== base) {
    const addedPrev = prev.cpuPerReview - base.cpuPerReview;
    const addedLast = last.cpuPerReview - base.cpuPerReview;
    const noise = Math.max(2, 0.05 * base.cpuPerReview);
    if (addedPrev > noise && addedLast > 0) exponent = round(Math.log(addedLast / addedPrev) / Math.log((last.n - base.n) / (prev.n - base.n)), 2);
  }
  const superlinear = exponent !== undefined && exponent > 1.25;
  const contention = superlinear ? cacheContention(last) : undefined;
  const perUnit = steps.map((s) => `${s.from}→${s.to}: ${s.cpuPerUnit >= 0 ? '+' : ''}${s.cpuPerUnit} µs CPU, ${s.p50PerUnit >= 0 ? '+' : ''}${s.p50PerUnit} µs p50 per ${unit}`).join('; ');
  const shape =
    exponent === undefined ? 'growth within noise between the smaller points: no exponent' : superlinear ? `SUPERLINEAR (exponent ${exponent})` : `linear or better (exponent ${exponent})`;
  const caveat = contention
    ? `; the machine's shared cache was contended around the ${last!.n}-${unit} runs (reads in 8 MB took ${contention.sharedCacheNs} ns, in memory ${contention.memoryNs} ns), which slows a working set of megabytes most: see bench/README.md, "Cache contention"`
    : '';
  return {
    unit,
    steps,
    ...(exponent === undefined ? {} : { exponent }),
    superlinear,
    ...(contention ? { cacheContended: true } : {}),
    verdict: `${perUnit}. ${shape}${caveat}`,
  };
}

const fmt = (v: number | undefined, digits = 0): string => (v === undefined || Number.isNaN(v) ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

export function summaryTable(summaries: Summary[]): string {
  const rows = summaries.map(
    (s) =>
      `| ${s.scenario} | ${s.connections} | ${fmt(s.rps)} | ${s.rpsRuns.map((r) => fmt(r)).join(' / ')} | ${fmt(s.p50)} | ${fmt(s.p975)} | ${fmt(s.p99)} | ${fmt(s.cpuPerReview)} | ${fmt(1e6 / s.cpuPerReview)} | ${fmt(s.rssPeakMB)} | ${fmt(s.serverBusy * 100)}% / ${fmt(s.clientBusy * 100)}% | ${s.errors + s.non200} |`,
  );
  return [
    '| scenario | conn. | req/s | req/s per run | p50 µs | p97.5 µs | p99 µs | CPU µs/review | reviews per CPU-second | peak RSS MB | busy server / client | errors |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}

export function ratioTable(list: Ratio[]): string {
  return [
    '| ratio | conn. | req/s | CPU/review | p50 |',
    '|---|--:|--:|--:|--:|',
    ...list.map((r) => `| ${r.name} | ${r.connections} | ${fmt(r.rps, 2)}× | ${fmt(r.cpu, 2)}× | ${fmt(r.p50, 2)}× |`),
  ].join('\n');
}

export function targetTable(list: Target[]): string {
  return [
    '| target | goal | measured | met |',
    '|---|---|--:|:-:|',
    ...list.map((t) => `| ${t.name} | ${t.goal} | ${t.value} | ${t.met === null ? (t.note ?? 'n/a') : t.met ? 'yes' : '**no**'} |`),
  ].join('\n');
}

export function seriesTable(title: string, unit: string, points: SeriesPoint[]): string {
  const probeRange = (p: SeriesPoint): string => {
    const ns = (p.cacheReadings ?? []).map((c) => c.sharedCacheNs);
    return ns.length ? `${fmt(Math.min(...ns))}-${fmt(Math.max(...ns))}` : '–';
  };
  return [
    `| ${title} | req/s | p50 µs | p99 µs | CPU µs/review | 8 MB read ns |`,
    '|--:|--:|--:|--:|--:|--:|',
    ...points.map((p) => `| ${fmt(p.n)} ${unit} | ${fmt(p.rps)} | ${fmt(p.p50)} | ${fmt(p.p99)} | ${fmt(p.cpuPerReview)} | ${probeRange(p)} |`),
  ].join('\n');
}
