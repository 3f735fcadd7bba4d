/**
 * ztgate's benchmark: ztgate beside the ceiling of its own stack and beside Pepr, in one run on one
 * machine, interleaved (A, B, A, B) so that drift of a shared machine spreads over every scenario.
 *
 *   node --import tsx bench/run.ts [--quick] [--skip-pepr] [--only main,scaling,check] [--out FILE] [--poll]
 *
 * bench/README.md explains every figure. --quick (2 s runs) only proves the harness works: its numbers
 * are never compared with anything.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { APP_NAMESPACE, VALIDATE_PATH, MESH_NAMESPACE, NAMESPACES_YAML, celRulesYaml, configYaml, distinctPodReviews, namedPodReview, policyReview, replicaReviews, writeCheckManifests } from './fixtures.js';

/** More than mutation replay and the template cache hold, so the distinct-Pods scenario always misses both. */
const DISTINCT_PODS = 512;
/** Request uids the replica scenario cycles through, as a rollout's burst of replicas brings them. */
const REPLICA_REQUESTS = 256;
import { Histogram } from './histogram.js';
import type { CacheProbeResult, ProbeResult, RunRequest, RunResult } from './loadgen.js';
import type { CacheReading } from './cache-probe.js';
import { PEPR_VERSION, buildPepr, startPepr, type PeprServer } from './pepr.js';
import { choosePinning, cpuMicros, memory, setNiceness, spawnPinned, stop, type Pinning } from './proc.js';
import {
  growth,
  ratioTable,
  ratios,
  seriesTable,
  summarise,
  summaryTable,
  targetTable,
  targets,
  withoutVerdicts,
  type CelVerdict,
  type Growth,
  type RunRecord,
  type SeriesPoint,
} from './report.js';
import { metricTotal, scrapeMetrics, startCeiling, startZtgate, type Server } from './servers.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(BENCH_DIR, '..');
const SECTIONS = ['main', 'scaling', 'check'] as const;
type Section = (typeof SECTIONS)[number];

const USAGE = `usage: node --import tsx bench/run.ts [--quick] [--skip-pepr] [--no-build] [--no-readme] [--only main,scaling,check] [--out FILE] [--nice N]
  --quick      2-second runs: proves the harness works; its numbers are never compared with anything
  --skip-pepr  leave out the Pepr scenarios (no npm registry needed)
  --no-build   benchmark the dist/ already built
  --no-readme  do not rewrite the results section of bench/README.md
  --only       run only these sections
  --out FILE   write the results JSON here instead of bench/results/<date>.json
  --nice N     scheduling priority of every benchmark process (-20 to 19; negative needs root)
  --poll       the load generator never sleeps, so no server pays for waking it (bench/README.md, "Fourth
               pass"); not the mode the targets are judged in`;

function parseFlags() {
  try {
    return parseArgs({
      options: {
        help: { type: 'boolean', default: false },
        quick: { type: 'boolean', default: false },
        'skip-pepr': { type: 'boolean', default: false },
        'no-build': { type: 'boolean', default: false },
        'no-readme': { type: 'boolean', default: false },
        only: { type: 'string' },
        out: { type: 'string' },
        nice: { type: 'string', default: '0' },
        poll: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}
const flags = parseFlags();
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const niceness = Number(flags.nice);
if (!Number.isInteger(niceness) || niceness < -20 || niceness > 19) throw new Error(`--nice: expected an integer from -20 to 19, got ${flags.nice}`);
setNiceness(niceness);
const quick = flags.quick === true;
const poll = flags.poll === true;
const sections = new Set<Section>(flags.only ? (flags.only.split(',') as Section[]) : SECTIONS);
for (const section of sections) if (!SECTIONS.includes(section)) throw new Error(`--only: unknown section ${section} (main, scaling, check)`);

const timing = quick
  ? { runMs: 2000, warmupMs: 1000, seriesMs: 1000, reps: 2, checkDocs: 10_000 }
  : { runMs: 10_000, warmupMs: 3000, seriesMs: 5000, reps: 2, checkDocs: 10_000 };
const CONNECTIONS = [1, 32];
const logDir = process.env['BENCH_SERVER_LOGS'];

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

// ---------------------------------------------------------------------------------------------------
// The load generator process

type Answer = RunResult | ProbeResult | CacheProbeResult;

class LoadClient {
  private nextId = 1;
  private readonly pending = new Map<number, (result: Answer) => void>();
  constructor(readonly child: ChildProcess) {
    child.on('message', (message: Answer) => {
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
    });
  }

  private ask<T extends Answer>(message: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, resolve as (r: Answer) => void);
      this.child.send({ ...message, id }, (error) => error && reject(error));
    });
  }

  run(port: number, path: string, body: string, connections: number, durationMs: number, bodies?: string[]): Promise<RunResult> {
    const message: Omit<RunRequest, 'id'> = { type: 'run', port, path, body, connections, durationMs, poll };
    if (bodies) message.bodies = bodies;
    return this.ask<RunResult>(message);
  }

  probe(port: number, path: string, body: string): Promise<ProbeResult> {
    return this.ask<ProbeResult>({ type: 'probe', port, path, body });
  }

  async probeCaches(): Promise<CacheReading> {
    return (await this.ask<CacheProbeResult>({ type: 'cache-probe' })).reading;
  }
}

function startLoadClient(pinning: Pinning): LoadClient {
  const child = spawnPinned(pinning.client, process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'loadgen.ts')], {
    cwd: REPO,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new LoadClient(child);
}

// ---------------------------------------------------------------------------------------------------
// Scenarios

interface Scenario {
  id: string;
  description: string;
  server: () => { pid: number; port: number } | undefined;
  path: () => string;
  body: string;
  /** Sent in turn instead of `body`, when every request must carry a different object. */
  bodies?: string[];
  expect: 'allowed' | 'patched';
}

interface ProbeSummary {
  status: number;
  allowed?: boolean;
  message?: string;
  patchOps?: number;
  patchBytes?: number;
  patchPaths?: string[];
  warnings?: string[];
  note?: string;
}

function readProbe(result: ProbeResult): ProbeSummary {
  if (result.error) return { status: 0, note: result.error };
  const summary: ProbeSummary = { status: result.status };
  try {
    const response = (JSON.parse(result.body) as { response?: Record<string, unknown> }).response ?? {};
    summary.allowed = response['allowed'] === true;
    const status = response['status'] as { message?: string } | undefined;
    if (status?.message) summary.message = status.message;
    if (Array.isArray(response['warnings'])) summary.warnings = response['warnings'] as string[];
    if (typeof response['patch'] === 'string') {
      const patch = Buffer.from(response['patch'], 'base64').toString('utf8');
      const ops = JSON.parse(patch) as { path: string }[];
      summary.patchOps = ops.length;
      summary.patchBytes = patch.length;
      summary.patchPaths = ops.slice(0, 8).map((op) => op.path);
    }
  } catch (error) {
    summary.note = `answer is not an AdmissionReview: ${(error as Error).message}: ${result.body.slice(0, 200)}`;
  }
  return summary;
}

function describeProbe(p: ProbeSummary, expect: Scenario['expect']): string {
  if (p.status !== 200) return `HTTP ${p.status} ${p.note ?? ''}`;
  const verdict = p.allowed ? 'allowed' : `DENIED: ${p.message ?? ''}`;
  if (expect !== 'patched') return verdict;
  return p.patchOps ? `${verdict}, patch of ${p.patchOps} operations (${p.patchBytes} bytes)` : `${verdict}, no patch: injection is not active in this build`;
}

// ---------------------------------------------------------------------------------------------------
// One measured run

async function measure(load: LoadClient, scenario: string, target: { pid: number; port: number }, path: string, body: string, connections: number, durationMs: number, rep: number, bodies?: string[]): Promise<RunRecord> {
  const before = cpuMicros(target.pid);
  const clientBefore = cpuMicros(load.child.pid!);
  const result = await load.run(target.port, path, body, connections, durationMs, bodies);
  const after = cpuMicros(target.pid);
  const clientAfter = cpuMicros(load.child.pid!);
  const mem = memory(target.pid);
  const histogram = Histogram.fromSparse(result.histogram, result.sumMicros, result.maxMicros);
  return {
    scenario,
    connections,
    rep,
    durationMs: Math.round(result.elapsedMs),
    requests: result.requests,
    errors: result.errors,
    errorSamples: result.errorSamples,
    statuses: result.statuses,
    rps: result.requests / (result.elapsedMs / 1000),
    p50: histogram.percentile(50),
    p975: histogram.percentile(97.5),
    p99: histogram.percentile(99),
    max: histogram.max,
    cpuPerReview: result.requests > 0 ? (after - before) / result.requests : NaN,
    rssPeakMB: mem.peak / 2 ** 20,
    rssMB: mem.current / 2 ** 20,
    serverBusy: (after - before) / (result.elapsedMs * 1000),
    clientBusy: (clientAfter - clientBefore) / (result.elapsedMs * 1000),
    histogram,
  };
}

function runLine(r: RunRecord): string {
  const bad = r.errors + Object.entries(r.statuses).reduce((n, [s, c]) => n + (s === '200' ? 0 : c), 0);
  return `${r.scenario.padEnd(16)} c=${String(r.connections).padStart(2)} #${r.rep}  ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(0).padStart(6)} µs  p99 ${r.p99.toFixed(0).padStart(6)} µs  CPU ${r.cpuPerReview.toFixed(0).padStart(5)} µs/review  busy ${(r.serverBusy * 100).toFixed(0)}%/${(r.clientBusy * 100).toFixed(0)}%  RSS ${r.rssMB.toFixed(0)} MB${r.cacheReadings ? `  8 MB/64 MB reads ${r.cacheReadings.map((c) => `${c.sharedCacheNs}/${c.memoryNs}`).join(', ')} ns` : ''}${bad ? `  ERRORS ${bad} ${r.errorSamples.join('; ')} ${JSON.stringify(r.statuses)}` : ''}`;
}

// ---------------------------------------------------------------------------------------------------
// Machine and build

function machine(pinning: Pinning): Record<string, unknown> {
  const model = cpus()[0]?.model ?? 'unknown';
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // nproc is coreutils; os.cpus() stands in.
  }
  const priority = niceness !== 0 ? `, benchmark processes at nice ${niceness}` : '';
  const client = poll ? ', polling load generator (--poll: it never sleeps, its core is always busy)' : '';
  return { nproc, cpuModel: model, memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)), node: process.version, kernel: release(), pinning: pinning.note + priority + client, loadAverage: loadavg().map((l) => Number(l.toFixed(2))) };
}

function gitState(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO, encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

function ensureBuilt(): void {
  if (flags['no-build']) return;
  log('building ztgate (npm run build)');
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    // tsc still emits when a file in progress does not typecheck; a missing dist/ is the only stop.
    const detail = String((error as { stderr?: Buffer }).stderr ?? error).slice(0, 600);
    if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) throw new Error(`npm run build failed and there is no dist/: ${detail}`);
    log(`npm run build reported errors; benchmarking the emitted dist/ anyway: ${detail.split('\n')[0]}`);
  }
}

async function registeredInvariants(): Promise<string[]> {
  try {
    const registry = (await import(join(REPO, 'dist', 'invariants', 'registry.js'))) as { INVARIANTS: { id: string }[] };
    return registry.INVARIANTS.map((invariant) => invariant.id);
  } catch (error) {
    return [`unknown: ${(error as Error).message}`];
  }
}

// ---------------------------------------------------------------------------------------------------
// Scaling series

interface SeriesResult {
  points: SeriesPoint[];
  growth?: Growth;
  probes: Record<string, string>;
  skipped?: string;
}

async function series(
  load: LoadClient,
  label: string,
  unit: string,
  entries: { n: number; target: { pid: number; port: number }; body: string }[],
  allRuns: RunRecord[],
): Promise<SeriesResult> {
  const probes: Record<string, string> = {};
  for (const entry of entries) {
    const probe = readProbe(await load.probe(entry.target.port, VALIDATE_PATH, entry.body));
    probes[String(entry.n)] = describeProbe(probe, 'allowed') + ` (${entry.body.length} bytes)`;
    // Fresh servers (the CEL series) must be as warm as the main one: JIT first, then measure.
    await load.run(entry.target.port, VALIDATE_PATH, entry.body, 32, timing.warmupMs);
  }
  const runs: RunRecord[] = [];
  for (let rep = 1; rep <= timing.reps; rep++) {
    for (const entry of entries) {
      // Read on either side of the run, never during it (bench/cache-probe.ts says why).
      const before = await load.probeCaches();
      const run = await measure(load, `${label}:${entry.n}`, entry.target, VALIDATE_PATH, entry.body, 1, timing.seriesMs, rep);
      run.cacheReadings = [before, await load.probeCaches()];
      log(runLine(run));
      runs.push(run);
    }
  }
  allRuns.push(...runs);
  const points = entries.map((entry) => {
    const mine = runs.filter((r) => r.scenario === `${label}:${entry.n}`);
    const merged = new Histogram();
    for (const r of mine) merged.add(r.histogram!);
    const requests = mine.reduce((s, r) => s + r.requests, 0);
    return {
      n: entry.n,
      requests,
      cpuPerReview: Number((mine.reduce((s, r) => s + r.cpuPerReview * r.requests, 0) / requests).toFixed(1)),
      p50: merged.percentile(50),
      p99: merged.percentile(99),
      rps: Math.round(requests / mine.reduce((s, r) => s + r.durationMs / 1000, 0)),
      cacheReadings: mine.flatMap((r) => r.cacheReadings ?? []),
    };
  });
  const result: SeriesResult = { points, growth: growth(points, unit), probes };
  log(`${label}: ${result.growth!.verdict}`);
  return result;
}

interface CelResult extends SeriesResult {
  verdict: CelVerdict;
}

async function celSeries(load: LoadClient, ctx: ServerContext, allRuns: RunRecord[]): Promise<CelResult> {
  const skip = (reason: string): CelResult => {
    log(`CEL series skipped: CEL rules not available (${reason})`);
    return { points: [], probes: {}, skipped: `skipped: CEL rules not available (${reason})`, verdict: { reason: 'skipped: CEL rules not available' } };
  };
  const podBody = JSON.stringify(namedPodReview(APP_NAMESPACE));
  const started: Server[] = [];
  try {
    // A rule that fails must deny: otherwise rules are not evaluated and the series would time nothing.
    const probeConfig = join(ctx.workDir, 'config-cel-probe.yaml');
    writeFileSync(probeConfig, configYaml(celRulesYaml(1, true)));
    let probeServer: Server;
    try {
      probeServer = await startZtgate({ ...ctx.ztgate, name: 'ztgate-cel-probe', configFile: probeConfig });
    } catch (error) {
      return skip(`ztgate refused a config with rules: ${(error as Error).message.slice(0, 300)}`);
    }
    started.push(probeServer);
    const denied = readProbe(await load.probe(probeServer.port, VALIDATE_PATH, podBody));
    await stop(probeServer.child);
    if (denied.status !== 200 || denied.allowed !== false) return skip('a rule whose expression is false did not deny the Pod');

    const counts = [0, 10, 100, 1000];
    const entries: { n: number; target: Server; body: string }[] = [];
    for (const n of counts) {
      const file = join(ctx.workDir, `config-cel-${n}.yaml`);
      writeFileSync(file, configYaml(celRulesYaml(n)));
      const server = await startZtgate({ ...ctx.ztgate, name: `ztgate-cel-${n}`, configFile: file });
      started.push(server);
      const loadErrors = metricTotal(await scrapeMetrics(server.metricsPort!), 'ztgate_rule_load_errors');
      if (loadErrors > 0) return skip(`${loadErrors} of the ${n} generated rules failed to load`);
      entries.push({ n, target: server, body: podBody });
    }
    const result = await series(load, 'cel-rules', 'rule', entries, allRuns);
    const zero = result.points.find((p) => p.n === 0);
    const hundred = result.points.find((p) => p.n === 100);
    const ratio = zero && hundred ? Number((hundred.cpuPerReview / zero.cpuPerReview).toFixed(2)) : undefined;
    return { ...result, verdict: ratio === undefined ? { reason: 'not measured' } : { ratio, reason: '' } };
  } finally {
    for (const server of started) await stop(server.child);
  }
}

interface CheckResult {
  documents: number;
  files: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMB: number;
  exitCode: number | null;
  summary?: Record<string, number>;
  targetSeconds: number;
  met: boolean;
  error?: string;
}

async function checkSeries(ctx: ServerContext): Promise<CheckResult> {
  const dir = join(ctx.workDir, 'check-manifests');
  const files = writeCheckManifests(dir, timing.checkDocs);
  const outFile = join(ctx.workDir, 'check-output.json');
  const args = [join(REPO, 'dist', 'cli', 'main.js'), 'check', '-f', dir, '--namespaces', ctx.namespacesFile, '--config', ctx.configFile, '-o', 'json'];
  log(`ztgate check over ${timing.checkDocs} documents in ${files} files`);
  const out = openSync(outFile, 'w');
  const started = performance.now();
  const child = spawnPinned(ctx.pinning.server, process.execPath, args, { cwd: REPO, stdio: ['ignore', out, 'pipe'] });
  closeSync(out);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let cpu = 0;
  let peak = 0;
  // /proc vanishes with the process: sample it until the end, missing at most the last 20 ms.
  const sampler = setInterval(() => {
    try {
      cpu = cpuMicros(child.pid!);
      const sample = memory(child.pid!).peak;
      if (Number.isFinite(sample)) peak = Math.max(peak, sample);
    } catch {
      // exited between samples
    }
  }, 20);
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  clearInterval(sampler);
  const wall = (performance.now() - started) / 1000;
  const result: CheckResult = {
    documents: timing.checkDocs,
    files,
    wallSeconds: Number(wall.toFixed(2)),
    cpuSeconds: Number((cpu / 1e6).toFixed(2)),
    peakRssMB: Math.round(peak / 2 ** 20),
    exitCode,
    targetSeconds: 10,
    met: wall < 10 && (exitCode === 0 || exitCode === 1),
  };
  if (exitCode !== 0 && exitCode !== 1) result.error = stderr.slice(-600);
  try {
    result.summary = (JSON.parse(readFileSync(outFile, 'utf8')) as { summary: Record<string, number> }).summary;
  } catch (error) {
    result.error = `${result.error ?? ''} output is not JSON: ${(error as Error).message}`.trim();
  }
  log(`ztgate check: ${result.wallSeconds} s wall, ${result.cpuSeconds} s CPU, peak RSS ${result.peakRssMB} MB, exit ${exitCode}, ${JSON.stringify(result.summary ?? {})}`);
  return result;
}

// ---------------------------------------------------------------------------------------------------

interface ServerContext {
  workDir: string;
  pinning: Pinning;
  configFile: string;
  namespacesFile: string;
  ztgate: Omit<Parameters<typeof startZtgate>[0], 'name' | 'configFile'> & { configFile: string };
}

async function startPeprOrExplain(ctx: ServerContext, load: LoadClient, podBody: string): Promise<{ server?: PeprServer; info: Record<string, unknown> }> {
  if (flags['skip-pepr']) return { info: { skipped: 'skipped: --skip-pepr' } };
  const info: Record<string, unknown> = { version: PEPR_VERSION };
  let server: PeprServer | undefined;
  try {
    const build = await buildPepr(log);
    info['steps'] = build.steps;
    info['workspace'] = build.workspace;
    server = await startPepr(build, join(ctx.workDir, 'pepr'), ctx.ztgate.certsDir, ctx.pinning.server, logDir);
    info['env'] = server.deployment.env;
    // The admission routes exist only once the store is read: until then Express answers 404.
    const startedAt = Date.now();
    let probe: ProbeResult | undefined;
    while (Date.now() - startedAt < 30_000) {
      probe = await load.probe(server.port, server.deployment.validatePath, podBody);
      if (probe.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (probe?.status !== 200) throw new Error(`Pepr never bound its admission routes (last answer HTTP ${probe?.status ?? 0}); fake API calls: ${server.api.calls.join(', ')}; ${server.stderr().slice(-400)}`);
    info['routesAfterSeconds'] = Number(((Date.now() - startedAt) / 1000).toFixed(1));
    log(`Pepr ${PEPR_VERSION} serving on ${server.port} after ${info['routesAfterSeconds']} s`);
    return { server, info };
  } catch (error) {
    if (server) {
      await stop(server.child);
      await server.api.close();
    }
    const reason = (error as Error).message;
    if (!quick) throw new Error(`Pepr could not be built or started, and the full benchmark needs it (use --skip-pepr to run without): ${reason}`);
    log(`PEPR UNAVAILABLE: ${reason.slice(0, 800)}\n  the quick run continues without the Pepr scenarios`);
    return { info: { ...info, skipped: `Pepr unavailable: ${reason.slice(0, 2000)}` } };
  }
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  const pinning = choosePinning();
  const host = machine(pinning);
  log(`${quick ? 'QUICK run (proves the harness; its numbers mean nothing)' : 'full run'} on ${host['nproc']} × ${host['cpuModel']}, ${host['memoryGiB']} GiB, node ${host['node']}; ${pinning.note}`);
  ensureBuilt();
  const workDir = mkdtempSync(join(tmpdir(), 'ztgate-bench-'));
  if (logDir) mkdirSync(logDir, { recursive: true });
  const namespacesFile = join(workDir, 'namespaces.yaml');
  const configFile = join(workDir, 'config.yaml');
  writeFileSync(namespacesFile, NAMESPACES_YAML);
  writeFileSync(configFile, configYaml());
  const ctx: ServerContext = {
    workDir,
    pinning,
    configFile,
    namespacesFile,
    ztgate: { repoRoot: REPO, certsDir: join(workDir, 'certs'), configFile, namespacesFile, cpus: pinning.server, logDir },
  };

  const load = startLoadClient(pinning);
  const children: ChildProcess[] = [load.child];
  let pepr: PeprServer | undefined;
  const cleanup = async (): Promise<void> => {
    for (const child of children.reverse()) await stop(child);
    if (pepr) await pepr.api.close();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  const runs: RunRecord[] = [];
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    loadGenerator: poll ? 'polling' : 'sleeping',
    machine: host,
    ztgate: { ...gitState(), invariants: await registeredInvariants() },
    timing: { ...timing, connections: CONNECTIONS },
  };
  try {
    const ztgate = await startZtgate({ ...ctx.ztgate, name: 'ztgate' });
    children.push(ztgate.child);
    const ceiling = await startCeiling(REPO, ctx.ztgate.certsDir, pinning.server, logDir);
    children.push(ceiling.child);
    const validateBody = JSON.stringify(namedPodReview(APP_NAMESPACE));
    const mutateBodies = replicaReviews(MESH_NAMESPACE, REPLICA_REQUESTS);
    const mutateBody = mutateBodies[0]!;
    const distinctMutateBodies = distinctPodReviews(MESH_NAMESPACE, DISTINCT_PODS);
    const calicoBody = JSON.stringify(policyReview(50));

    if (sections.has('main')) {
      const started = await startPeprOrExplain(ctx, load, validateBody);
      pepr = started.server;
      if (pepr) children.push(pepr.child);
      results['pepr'] = started.info;
      const peprTarget = pepr ? { pid: pepr.child.pid!, port: pepr.port } : undefined;
      const scenarios: Scenario[] = [
        { id: 'ceiling', description: 'bare fastify 5 HTTPS: parse the AdmissionReview, allow', server: () => ceiling, path: () => VALIDATE_PATH, body: validateBody, expect: 'allowed' },
        { id: 'ztgate-validate', description: `ztgate ${VALIDATE_PATH}: ReplicaSet Pod, 2 containers, protected namespace ${APP_NAMESPACE}`, server: () => ztgate, path: () => VALIDATE_PATH, body: validateBody, expect: 'allowed' },
        { id: 'ztgate-mutate', description: `ztgate /mutate: the same Pod in mesh namespace ${MESH_NAMESPACE}, the replicas of one ReplicaSet, each with its own request uid and token volume name`, server: () => ztgate, path: () => '/mutate', body: mutateBody, bodies: mutateBodies, expect: 'patched' },
        { id: 'ztgate-mutate-distinct', description: `ztgate /mutate: ${DISTINCT_PODS} different Pods in turn, so no answer is ever replayed (mutation replay always misses)`, server: () => ztgate, path: () => '/mutate', body: distinctMutateBodies[0]!, bodies: distinctMutateBodies, expect: 'patched' },
        { id: 'ztgate-calico', description: `ztgate ${VALIDATE_PATH}: GlobalNetworkPolicy, 50 rules, tier security, by a security admin`, server: () => ztgate, path: () => VALIDATE_PATH, body: calicoBody, expect: 'allowed' },
        { id: 'pepr-validate', description: `Pepr ${PEPR_VERSION} validate action on the validate Pod`, server: () => peprTarget, path: () => pepr!.deployment.validatePath, body: validateBody, expect: 'allowed' },
        { id: 'pepr-mutate', description: `Pepr ${PEPR_VERSION} mutate action (identity label) on the mutate Pods`, server: () => peprTarget, path: () => pepr!.deployment.mutatePath, body: mutateBody, bodies: mutateBodies, expect: 'patched' },
      ];
      const active = scenarios.filter((s) => s.server() !== undefined);
      const scenarioInfo: Record<string, unknown> = {};
      for (const s of active) {
        const probe = readProbe(await load.probe(s.server()!.port, s.path(), s.body));
        scenarioInfo[s.id] = { description: s.description, bodyBytes: Buffer.byteLength(s.body), probe };
        log(`probe ${s.id}: ${describeProbe(probe, s.expect)}`);
        if (probe.status !== 200) throw new Error(`${s.id} does not answer: ${JSON.stringify(probe)}`);
      }
      results['scenarios'] = scenarioInfo;
      const metricsBefore = await scrapeMetrics(ztgate.metricsPort!);

      log(`warming up each scenario (${timing.warmupMs / 1000} s at 32 connections)`);
      for (const s of active) await load.run(s.server()!.port, s.path(), s.body, 32, timing.warmupMs, s.bodies);
      const total = timing.reps * CONNECTIONS.length * active.length;
      log(`${total} measured runs of ${timing.runMs / 1000} s, interleaved`);
      for (let rep = 1; rep <= timing.reps; rep++) {
        for (const connections of CONNECTIONS) {
          for (const s of active) {
            const run = await measure(load, s.id, s.server()!, s.path(), s.body, connections, timing.runMs, rep, s.bodies);
            log(runLine(run));
            runs.push(run);
          }
        }
      }
      if (pepr) {
        const calls = (results['pepr'] as Record<string, unknown>);
        calls['fakeApiCalls'] = [...new Set(pepr.api.calls)];
        calls['unexpectedCalls'] = pepr.api.unexpected;
        log(`the fake Kubernetes API answered: ${(calls['fakeApiCalls'] as string[]).join(' | ')}${pepr.api.unexpected.length ? `; UNEXPECTED: ${pepr.api.unexpected.join(' | ')}` : ''}`);
      }
      const metricsAfter = await scrapeMetrics(ztgate.metricsPort!);
      const delta = (name: string): number => metricTotal(metricsAfter, name) - metricTotal(metricsBefore, name);
      results['ztgateCounters'] = {
        shed: delta('ztgate_shed_requests_total'),
        deadlineExceeded: delta('ztgate_deadline_exceeded_total'),
        internalErrors: delta('ztgate_internal_errors_total'),
        badRequests: delta('ztgate_bad_requests_total'),
        mutationsRecalled: delta('ztgate_mutations_recalled_total'),
      };
    }

    const scaling: Record<string, unknown> = {};
    if (sections.has('scaling')) {
      log('scaling series (1 connection each)');
      scaling['containers'] = await series(load, 'pod-containers', 'container', [1, 10, 50].map((n) => ({ n, target: ztgate, body: JSON.stringify(namedPodReview(APP_NAMESPACE, n)) })), runs);
      scaling['calicoRules'] = await series(load, 'calico-rules', 'rule', [1, 100, 1000].map((n) => ({ n, target: ztgate, body: JSON.stringify(policyReview(n)) })), runs);
      scaling['celRules'] = await celSeries(load, ctx, runs);
    }
    if (sections.has('check')) scaling['check'] = await checkSeries(ctx);
    results['scaling'] = scaling;

    const summaries = summarise(runs.filter((r) => !r.scenario.includes(':')));
    const ratioList = ratios(summaries, CONNECTIONS);
    const ztgateRss = summaries.filter((s) => s.scenario.startsWith('ztgate-')).reduce((m, s) => Math.max(m, s.rssPeakMB), 0) || undefined;
    const cel = (scaling['celRules'] as CelResult | undefined)?.verdict ?? { reason: 'not run' };
    let targetList = sections.has('main') ? targets(ratioList, CONNECTIONS, ztgateRss, cel) : [];
    const check = scaling['check'] as CheckResult | undefined;
    if (check) targetList.push({ name: `ztgate check, ${check.documents} documents`, goal: '< 10 s', value: `${check.wallSeconds} s`, met: check.met });
    if (quick) targetList = withoutVerdicts(targetList);
    results['summary'] = summaries;
    results['ratios'] = ratioList;
    results['targets'] = targetList;
    results['runs'] = runs.map(({ histogram: _h, ...rest }) => ({
      ...rest,
      rps: Math.round(rest.rps),
      cpuPerReview: Math.round(rest.cpuPerReview),
      rssPeakMB: Math.round(rest.rssPeakMB),
      rssMB: Math.round(rest.rssMB),
    }));
    results['durationSeconds'] = Math.round((Date.now() - startedAt) / 1000);

    const markdown = renderMarkdown(results, summaries, ratioList, targetList, scaling);
    process.stdout.write(`\n${markdown}\n`);
    const date = new Date().toISOString().slice(0, 10);
    // A quick run never replaces the recorded results of a full one, nor a polling run those of the default.
    const out = flags.out ?? (quick ? join(tmpdir(), 'ztgate-bench-results', `${date}.quick.json`) : join(BENCH_DIR, 'results', `${date}${poll ? '.poll' : ''}.json`));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    log(`results written to ${out}`);
    // The results section holds the run the targets are judged by.
    if (!quick && !poll && !flags['no-readme'] && !flags.only) updateReadme(markdown, out);
    return 0;
  } finally {
    await cleanup();
    if (!process.env['BENCH_KEEP']) rmSync(workDir, { recursive: true, force: true });
  }
}

function renderMarkdown(
  results: Record<string, unknown>,
  summaries: ReturnType<typeof summarise>,
  ratioList: ReturnType<typeof ratios>,
  targetList: ReturnType<typeof targets>,
  scaling: Record<string, unknown>,
): string {
  const m = results['machine'] as Record<string, unknown>;
  const z = results['ztgate'] as { commit: string; dirty: boolean; invariants: string[] };
  const pepr = results['pepr'] as Record<string, unknown> | undefined;
  const scenarios = (results['scenarios'] ?? {}) as Record<string, { description: string; bodyBytes: number; probe: ProbeSummary }>;
  const lines: string[] = [
    `Run of ${String(results['date']).slice(0, 16).replace('T', ' ')} UTC (${results['mode']}, ${results['durationSeconds']} s): ${m['nproc']} × ${m['cpuModel']}, ${m['memoryGiB']} GiB, node ${m['node']}, Linux ${m['kernel']}; ${m['pinning']}; load average at start ${(m['loadAverage'] as number[]).join(' / ')} (1/5/15 min).`,
    `ztgate ${z.commit}${z.dirty ? ' + uncommitted changes under src/' : ''}, ${z.invariants.length} invariants registered (${z.invariants.join(', ')}).`,
    pepr ? (pepr['skipped'] ? `Pepr: ${String(pepr['skipped'])}` : `Pepr ${String(pepr['version'])}: routes bound ${String(pepr['routesAfterSeconds'])} s after start.`) : '',
    '',
  ];
  if (Object.keys(scenarios).length > 0) {
    lines.push('| scenario | body | first answer |', '|---|--:|---|');
    for (const [id, s] of Object.entries(scenarios)) lines.push(`| ${id}: ${s.description} | ${s.bodyBytes} B | ${describeProbe(s.probe, id.includes('mutate') ? 'patched' : 'allowed')} |`);
    lines.push('');
  }
  if (summaries.length > 0) lines.push(summaryTable(summaries), '', ratioTable(ratioList), '');
  if (results['ztgateCounters']) lines.push(`ztgate counters over the measured runs: ${JSON.stringify(results['ztgateCounters'])}.`, '');
  for (const [key, title, unit] of [
    ['containers', 'Pod containers', 'containers'],
    ['calicoRules', 'Calico rules', 'rules'],
    ['celRules', 'CEL rules', 'rules'],
  ] as const) {
    const s = scaling[key] as SeriesResult | undefined;
    if (!s) continue;
    if (s.skipped) lines.push(`${title}: ${s.skipped}`, '');
    else lines.push(seriesTable(title, unit, s.points), '', `${title}: ${s.growth?.verdict ?? ''}`, '');
  }
  const check = scaling['check'] as CheckResult | undefined;
  if (check) {
    lines.push(
      `ztgate check over ${check.documents} documents (${check.files} files): ${check.wallSeconds} s wall, ${check.cpuSeconds} s CPU, peak RSS ${check.peakRssMB} MB, exit ${check.exitCode}${check.summary ? `, ${JSON.stringify(check.summary)}` : ''}${check.error ? `; error: ${check.error}` : ''}.`,
      '',
    );
  }
  if (targetList.length > 0) lines.push(targetTable(targetList));
  return lines.join('\n');
}

const README_START = '<!-- bench:results:start -->';
const README_END = '<!-- bench:results:end -->';

/** Replaces the results section of bench/README.md with this run's figures. */
function updateReadme(markdown: string, resultsFile: string): void {
  const readme = join(BENCH_DIR, 'README.md');
  if (!existsSync(readme)) return;
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) return;
  const section = `${README_START}\n<!-- written by bench/run.ts from ${resultsFile.slice(REPO.length + 1)}; edit outside these markers -->\n\n${markdown}\n\n${README_END}`;
  writeFileSync(readme, text.slice(0, start) + section + text.slice(end + README_END.length));
  log('bench/README.md results section updated');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
