/**
 * A bounded soak: `ztgate serve` as its own process, a steady rate of mixed reviews for a fixed time, and
 * what must not drift: memory, open file descriptors, and correctness (no failed or wrong answer).
 *
 *   node --import tsx bench/soak/run.ts                    # 10 minutes, 200 reviews/s
 *   node --import tsx bench/soak/run.ts --seconds 60       # what CI runs (test/reliability/soak.test.ts)
 *   node --import tsx bench/soak/run.ts --seconds 60 --rate 400 --connections 32 --out soak.json
 *
 * Exit status 1 when any bound is broken; the report says which. bench/soak/README.md has the bounds
 * and the last figures.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runReview, type WebhookKind } from '../../src/review/review.js';
import type { JsonObject } from '../../src/util/json.js';
import { CONFIG, NAMESPACES, namespaceSource, REAL_REVIEWS } from '../../test/reliability/support/corpus.js';
import { ServeProcess } from '../../test/reliability/support/serve.js';

export interface SoakOptions {
  seconds: number;
  warmupSeconds: number;
  rate: number;
  connections: number;
  /** Growth allowed in the live heap: the lowest heapUsed of the last window over that of the first. */
  heapBoundMiB: number;
  /** Growth allowed in resident memory, start of the measured window to its end. */
  rssBoundMiB: number;
  /** File descriptors the process may hold beyond its count at the start (a file read mid-sample). */
  fdSlack: number;
  log?: (line: string) => void;
}

export const DEFAULT_SOAK: SoakOptions = { seconds: 600, warmupSeconds: 10, rate: 200, connections: 16, heapBoundMiB: 16, rssBoundMiB: 64, fdSlack: 2 };

export interface SoakReport {
  options: Omit<SoakOptions, 'log'>;
  requests: { sent: number; served: number; failed: number; skipped: number; warmup: { sent: number; served: number; failed: number }; achievedRate: number };
  failures: string[];
  memory: { rssStartMiB: number; rssEndMiB: number; heapStartMiB: number; heapEndMiB: number };
  fds: { start: number; end: number };
  latencyMs: { p50: number; p99: number; max: number };
  decisionLines: number;
  verdict: { ok: boolean; broken: string[] };
}

interface Scenario {
  name: string;
  path: `/${WebhookKind}`;
  body: (uid: string) => string;
  /** What the core answers in-process: the server under load must answer the same. */
  expected: { allowed: boolean; patched: boolean };
}

/** Every review family of the corpus, to both webhooks, policy changes also as dry runs. */
function scenarios(): Scenario[] {
  const out: Scenario[] = [];
  const namespaces = namespaceSource();
  for (const { name, review } of REAL_REVIEWS) {
    for (const webhook of ['validate', 'mutate'] as const) {
      for (const dryRun of [false, true]) {
        const template = structuredClone(review);
        (template['request'] as JsonObject)['dryRun'] = dryRun;
        const answer = runReview(webhook, template, { config: CONFIG, namespaces, now: new Date() });
        if (!answer.ok) throw new Error(`the soak mix holds an invalid review: ${name}`);
        const text = JSON.stringify(template);
        const uid = (template['request'] as JsonObject)['uid'] as string;
        out.push({
          name: `${webhook} ${name}${dryRun ? ' (dry run)' : ''}`,
          path: `/${webhook}`,
          body: (fresh) => text.replace(`"uid":"${uid}"`, `"uid":"${fresh}"`),
          expected: { allowed: answer.response.allowed, patched: answer.response.patch !== undefined },
        });
      }
    }
  }
  return out;
}

const MiB = 1024 * 1024;

function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024;
}

function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function heapUsed(metricsPort: number): Promise<number> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port: metricsPort, path: '/metrics' }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        const value = Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1]);
        if (Number.isFinite(value)) resolve(value);
        else reject(new Error('the metrics port reports no nodejs_heap_size_used_bytes'));
      });
    })
      .on('error', reject)
      .end();
  });
}

function post(port: number, ca: string, agent: Agent, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest({ host: '127.0.0.1', port, path, method: 'POST', ca, agent, headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (value: number): number => Math.round(value * 10) / 10;

export async function soak(options: SoakOptions = DEFAULT_SOAK): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'ztgate-soak-'));
  const namespacesFile = join(dir, 'namespaces.yaml');
  writeFileSync(namespacesFile, NAMESPACES.map((object) => JSON.stringify(object)).join('\n---\n'));
  const certs = join(dir, 'certs');
  const { ensureDevCertificates } = await import('../../src/tls/dev-certs.js');
  const { caPem } = await ensureDevCertificates(certs, ['127.0.0.1']);
  const serve = await ServeProcess.start(['--dev-certs', certs, '--namespaces', namespacesFile, '--shutdown-delay', '0s'], caPem, {
    retain: (line) => line['msg'] !== 'admission decision',
  });
  const mix = scenarios();
  const agents = Array.from({ length: options.connections }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  const idle = [...agents];
  const failures: string[] = [];
  const latencies: number[] = [];
  // Warm-up and measured window are counted apart; a failure in either fails the soak.
  const counts = { warmup: { sent: 0, served: 0, failed: 0 }, measured: { sent: 0, served: 0, failed: 0 } };
  let skipped = 0;
  let measuring = false;
  let fired = 0;
  const heapSamples: { at: number; bytes: number }[] = [];

  const fire = (): void => {
    // Oldest idle connection first, so every connection stays in use, as in the API server's pool.
    const agent = idle.shift();
    // Every connection busy: the rate cannot be held. Counted, never queued (a queue would hide the stall).
    if (!agent) {
      if (measuring) skipped += 1;
      return;
    }
    const scenario = mix[fired % mix.length]!;
    const uid = `soak-${fired}`;
    fired += 1;
    const count = measuring ? counts.measured : counts.warmup;
    const timed = measuring;
    count.sent += 1;
    const started = performance.now();
    const fail = (problem: string): void => {
      count.failed += 1;
      if (failures.length < 20) failures.push(problem);
    };
    post(serve.port, caPem, agent, scenario.path, scenario.body(uid)).then(
      ({ status, text }) => {
        idle.push(agent);
        if (timed) latencies.push(performance.now() - started);
        const problem = check(scenario, uid, status, text);
        if (problem) fail(problem);
        else count.served += 1;
      },
      (error: unknown) => {
        idle.push(agent);
        fail(`${scenario.name} ${uid}: ${(error as Error).message}`);
      },
    );
  };

  const interval = 1000 / options.rate;
  let next = performance.now();
  let stopped = false;
  const pace = (): void => {
    if (stopped) return;
    const now = performance.now();
    while (next <= now) {
      fire();
      next += interval;
    }
    setTimeout(pace, Math.max(0, next - performance.now()));
  };
  const sampler = setInterval(() => {
    if (measuring) void heapUsed(serve.metricsPort).then((bytes) => heapSamples.push({ at: performance.now(), bytes }), () => undefined);
  }, 1000);

  try {
    log(`soak: ztgate pid ${serve.pid}, ${mix.length} review scenarios, ${options.rate}/s on ${options.connections} connections`);
    pace();
    await sleep(options.warmupSeconds * 1000);
    const start = { rss: rss(serve.pid), fds: minFds(serve.pid), at: performance.now() };
    measuring = true;
    log(`soak: warmed up; measuring ${options.seconds} s (rss ${round(start.rss / MiB)} MiB, ${start.fds} fds)`);
    for (let elapsed = 0; elapsed < options.seconds; elapsed += 10) {
      await sleep(Math.min(10, options.seconds - elapsed) * 1000);
      log(`soak: ${Math.min(elapsed + 10, options.seconds)} s: ${counts.measured.served} served, ${counts.measured.failed} failed, rss ${round(rss(serve.pid) / MiB)} MiB, ${fdCount(serve.pid)} fds`);
    }
    stopped = true;
    measuring = false;
    const measuredSeconds = (performance.now() - start.at) / 1000;
    await waitFor(() => idle.length === agents.length, 30_000);
    const end = { rss: rss(serve.pid), fds: minFds(serve.pid) };
    const window = Math.max(5_000, (options.seconds * 1000) / 10);
    const first = heapSamples.filter((sample) => sample.at - start.at <= window).map((sample) => sample.bytes);
    const last = heapSamples.filter((sample) => sample.at >= start.at + measuredSeconds * 1000 - window).map((sample) => sample.bytes);
    const heapStart = Math.min(...first);
    const heapEnd = Math.min(...last);
    const sorted = [...latencies].sort((a, b) => a - b);
    const broken: string[] = [];
    const { measured, warmup } = counts;
    if (measured.failed + warmup.failed > 0) broken.push(`${measured.failed + warmup.failed} failed requests`);
    if (measured.sent === 0) broken.push('no request was sent');
    if (measured.served + measured.failed !== measured.sent) broken.push(`${measured.sent - measured.served - measured.failed} requests never answered`);
    if (end.fds > start.fds + options.fdSlack) broken.push(`file descriptors grew from ${start.fds} to ${end.fds}`);
    if (!Number.isFinite(heapStart) || !Number.isFinite(heapEnd)) broken.push('no heap samples');
    else if (heapEnd - heapStart > options.heapBoundMiB * MiB) broken.push(`live heap grew by ${round((heapEnd - heapStart) / MiB)} MiB (bound ${options.heapBoundMiB} MiB)`);
    if (end.rss - start.rss > options.rssBoundMiB * MiB) broken.push(`RSS grew by ${round((end.rss - start.rss) / MiB)} MiB (bound ${options.rssBoundMiB} MiB)`);
    const { log: _log, ...plain } = options;
    return {
      options: plain,
      requests: { ...measured, skipped, warmup, achievedRate: round(measured.served / measuredSeconds) },
      failures,
      memory: { rssStartMiB: round(start.rss / MiB), rssEndMiB: round(end.rss / MiB), heapStartMiB: round(heapStart / MiB), heapEndMiB: round(heapEnd / MiB) },
      fds: { start: start.fds, end: end.fds },
      latencyMs: { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? 0) },
      decisionLines: serve.counts.get('admission decision') ?? 0,
      verdict: { ok: broken.length === 0, broken },
    };
  } finally {
    stopped = true;
    clearInterval(sampler);
    for (const agent of agents) agent.destroy();
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The wrong answer is a failure too: a status, a uid or a decision that differs from the core's. */
function check(scenario: Scenario, uid: string, status: number, text: string): string | undefined {
  if (status !== 200) return `${scenario.name} ${uid}: HTTP ${status} ${text.slice(0, 200)}`;
  let response: { uid?: string; allowed?: boolean; patch?: string };
  try {
    response = (JSON.parse(text) as { response: typeof response }).response;
  } catch {
    return `${scenario.name} ${uid}: not JSON: ${text.slice(0, 200)}`;
  }
  if (response.uid !== uid) return `${scenario.name} ${uid}: answered for uid ${response.uid}`;
  if (response.allowed !== scenario.expected.allowed) return `${scenario.name} ${uid}: allowed ${response.allowed}, expected ${scenario.expected.allowed}`;
  if ((response.patch !== undefined) !== scenario.expected.patched) return `${scenario.name} ${uid}: patch ${response.patch !== undefined}, expected ${scenario.expected.patched}`;
  return undefined;
}

/** The lowest of three samples: a file the process reads for a moment (a config poll) is not a leak. */
function minFds(pid: number): number {
  return Math.min(fdCount(pid), fdCount(pid), fdCount(pid));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`in-flight reviews did not finish within ${limitMs} ms`);
    await sleep(20);
  }
}

export function formatReport(report: SoakReport): string {
  const { requests, memory, fds, latencyMs, options } = report;
  return [
    `soak: ${options.seconds} s at ${options.rate} reviews/s on ${options.connections} connections (after ${options.warmupSeconds} s of warm-up)`,
    `requests: ${requests.sent} sent, ${requests.served} served, ${requests.failed} failed, ${requests.skipped} not sent (every connection busy); ${requests.achievedRate}/s achieved; warm-up ${requests.warmup.served} served, ${requests.warmup.failed} failed`,
    `memory:   RSS ${memory.rssStartMiB} MiB at start, ${memory.rssEndMiB} MiB at end (bound +${options.rssBoundMiB} MiB); live heap ${memory.heapStartMiB} MiB → ${memory.heapEndMiB} MiB (bound +${options.heapBoundMiB} MiB)`,
    `fds:      ${fds.start} at start, ${fds.end} at end (slack ${options.fdSlack})`,
    `latency:  p50 ${latencyMs.p50} ms, p99 ${latencyMs.p99} ms, max ${latencyMs.max} ms`,
    ...report.failures.map((failure) => `failure:  ${failure}`),
    report.verdict.ok ? 'verdict:  ok' : `verdict:  FAILED: ${report.verdict.broken.join('; ')}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: String(DEFAULT_SOAK.seconds) },
      warmup: { type: 'string', default: String(DEFAULT_SOAK.warmupSeconds) },
      rate: { type: 'string', default: String(DEFAULT_SOAK.rate) },
      connections: { type: 'string', default: String(DEFAULT_SOAK.connections) },
      out: { type: 'string' },
    },
  });
  const number = (name: string, text: string | undefined, min: number): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < min) throw new Error(`--${name}: expected a number of at least ${min}, got ${JSON.stringify(text)}`);
    return value;
  };
  const report = await soak({
    ...DEFAULT_SOAK,
    seconds: number('seconds', values.seconds, 1),
    warmupSeconds: number('warmup', values.warmup, 0),
    rate: number('rate', values.rate, 1),
    connections: number('connections', values.connections, 1),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${formatReport(report)}\n`);
  if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.verdict.ok ? 0 : 1;
}

if (process.argv[1]?.endsWith('soak/run.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  });
}
