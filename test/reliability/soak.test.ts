/**
 * The CI-sized soak: bench/soak/run.ts for 60 seconds against a spawned `ztgate serve`. It asserts
 * correctness under sustained load (no failed or wrong answer, no file descriptor leak, memory within
 * the stated bounds), never speed: the rate is the soak's pace, not a target checked here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SoakReport } from '../../bench/soak/run.js';
import { REPO } from './support/serve.js';
import { withinWatchdog } from './support/wait.js';

const SECONDS = 60;

test(`a ${SECONDS} s soak of mixed reviews: every request answered correctly, no fd growth, memory within its bounds`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ztgate-soak-test-'));
  const out = join(dir, 'soak.json');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/soak/run.ts', '--seconds', String(SECONDS), '--warmup', '5', '--out', out], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const [code] = (await withinWatchdog('the soak', (SECONDS + 90) * 1000, once(child, 'exit'))) as [number | null];
    for (const line of output.split('\n').filter((text) => /^(soak|requests|memory|fds|latency|failure|verdict):/.test(text))) t.diagnostic(line);
    const report = JSON.parse(readFileSync(out, 'utf8')) as SoakReport;
    assert.equal(report.requests.failed + report.requests.warmup.failed, 0, report.failures.join('\n'));
    assert.ok(report.requests.served > 0);
    assert.equal(report.requests.served, report.requests.sent, 'every request sent was answered');
    assert.ok(report.fds.end <= report.fds.start + report.options.fdSlack, `fds ${report.fds.start} → ${report.fds.end}`);
    assert.ok(report.memory.heapEndMiB - report.memory.heapStartMiB <= report.options.heapBoundMiB, `heap ${report.memory.heapStartMiB} → ${report.memory.heapEndMiB} MiB`);
    assert.ok(report.memory.rssEndMiB - report.memory.rssStartMiB <= report.options.rssBoundMiB, `rss ${report.memory.rssStartMiB} → ${report.memory.rssEndMiB} MiB`);
    assert.deepEqual(report.verdict, { ok: true, broken: [] });
    assert.equal(code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
