import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTENDED_SHARE, growth, seriesTable, type SeriesPoint } from '../../bench/report.js';
import { forTest, probeCaches, type CacheReading } from '../../bench/cache-probe.js';

function point(n: number, cpuPerReview: number, cacheReadings?: CacheReading[]): SeriesPoint {
  return { n, requests: 1000, cpuPerReview, p50: cpuPerReview, p99: cpuPerReview * 2, rps: 1000, ...(cacheReadings ? { cacheReadings } : {}) };
}

const calm: CacheReading[] = [
  { sharedCacheNs: 20, memoryNs: 150 },
  { sharedCacheNs: 28, memoryNs: 152 },
];
const contended: CacheReading[] = [
  { sharedCacheNs: 22, memoryNs: 150 },
  { sharedCacheNs: 104, memoryNs: 155 },
];

test('growth: exponent over the two largest points, flagged above 1.25, with the cache caveat only when flagged and the largest point contended', () => {
  const cases: { name: string; points: SeriesPoint[]; exponent?: number; superlinear: boolean; caveat: boolean }[] = [
    { name: 'linear: each rule adds the same', points: [point(0, 100), point(100, 180), point(1000, 900)], exponent: 1, superlinear: false, caveat: false },
    { name: 'superlinear, cache calm: flagged without a caveat', points: [point(0, 100, calm), point(100, 180, calm), point(1000, 2800, calm)], exponent: 1.53, superlinear: true, caveat: false },
    {
      name: 'superlinear, the largest point contended in one of its readings: flagged with the caveat',
      points: [point(0, 100, calm), point(100, 180, calm), point(1000, 2800, contended)],
      exponent: 1.53,
      superlinear: true,
      caveat: true,
    },
    {
      name: 'the whole series contended: judged against memory, not against the series, so still the caveat',
      points: [point(0, 100, contended.slice(1)), point(100, 180, contended.slice(1)), point(1000, 2800, contended.slice(1))],
      exponent: 1.53,
      superlinear: true,
      caveat: true,
    },
    {
      name: 'just below the share: no caveat',
      points: [point(0, 100, calm), point(100, 180, calm), point(1000, 2800, [{ sharedCacheNs: CONTENDED_SHARE * 150 - 1, memoryNs: 150 }])],
      exponent: 1.53,
      superlinear: true,
      caveat: false,
    },
    {
      name: 'contended only at a smaller point: the largest was measured on a calm machine, no caveat',
      points: [point(0, 100, calm), point(100, 180, contended), point(1000, 2800, calm)],
      exponent: 1.53,
      superlinear: true,
      caveat: false,
    },
    { name: 'contended but linear: nothing to explain', points: [point(0, 100, calm), point(100, 180, calm), point(1000, 900, contended)], exponent: 1, superlinear: false, caveat: false },
    { name: 'no readings (an older results file): no caveat', points: [point(0, 100), point(100, 180), point(1000, 2800)], exponent: 1.53, superlinear: true, caveat: false },
    { name: 'growth within noise: no exponent', points: [point(0, 100), point(10, 101), point(100, 102)], superlinear: false, caveat: false },
  ];
  for (const { name, points, exponent, superlinear, caveat } of cases) {
    const result = growth(points, 'rule');
    assert.equal(result.exponent, exponent, name);
    assert.equal(result.superlinear, superlinear, name);
    assert.equal(result.cacheContended === true, caveat, name);
    assert.equal(/shared cache was contended around the 1000-rule runs \(reads in 8 MB took 104 ns, in memory 155 ns\)/.test(result.verdict), caveat, `${name}: ${result.verdict}`);
    assert.equal(result.verdict.includes('SUPERLINEAR'), superlinear, name);
  }
});

test('growth: the order of the points does not matter, and the steps are per unit between neighbours', () => {
  const result = growth([point(1000, 900), point(0, 100), point(100, 180)], 'rule');
  assert.deepEqual(
    result.steps.map(({ from, to, cpuPerUnit }) => [from, to, cpuPerUnit]),
    [
      [0, 100, 0.8],
      [100, 1000, 0.8],
    ],
  );
});

test('seriesTable shows the range of each point’s 8 MB readings, or a dash when it has none', () => {
  const table = seriesTable('CEL rules', 'rules', [point(0, 100, [...calm, { sharedCacheNs: 18, memoryNs: 149 }]), point(1000, 900)]);
  assert.match(table, /\| 0 rules \| 1,000 \| 100 \| 200 \| 100 \| 18-28 \|/);
  assert.match(table, /\| 1,000 rules \| 1,000 \| 900 \| 1,800 \| 900 \| – \|/);
});

test('the probe’s chain is one cycle through every slot, so no read can be predicted or skipped', () => {
  for (const slots of [2, 3, 17, 4096]) {
    const chain = forTest.buildChain(slots);
    const seen = new Set<number>();
    let at = 0;
    for (let i = 0; i < slots; i++) {
      assert.ok(!seen.has(at), `${slots} slots: slot ${at} visited twice`);
      seen.add(at);
      at = chain[at]!;
    }
    assert.equal(at, 0, `${slots} slots: back at the start after visiting all`);
    assert.equal(seen.size, slots);
  }
  const { sharedCacheNs, memoryNs } = probeCaches();
  for (const ns of [sharedCacheNs, memoryNs]) assert.ok(Number.isFinite(ns) && ns > 0, `a positive reading, got ${ns}`);
});
