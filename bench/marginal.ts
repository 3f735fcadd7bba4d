/**
 * What one more µs of work per review costs in the measured figures, and how much work ztgate does
 * beyond the ceiling in those terms. The ceiling is started with 0, 4, 8... µs of plain arithmetic per
 * review (bench/ceiling-server.mjs --work-us) and measured beside ztgate validate, interleaved, at N
 * connections. Each line gives CPU µs per review, req/s and the interrupts the load generator's core
 * received per review (RES + CAL in /proc/interrupts: how a waker on another core wakes a sleeping
 * one). Then: "ztgate costs what the ceiling plus X µs of work costs", and how much work 1.25× the
 * ceiling's CPU leaves room for. Not part of `npm run bench`; bench/README.md tells what it found.
 *
 *   taskset -c 1 node --import tsx bench/marginal.ts [--work 0,4,8,16,24] [--connections 32] [--seconds 5] [--rounds 3] [--poll] [--linger N]
 *
 * (taskset keeps the load generator, which runs in this process, off the server's core 0.) --poll keeps
 * the load generator from ever sleeping, so that no server is charged for waking it (loadgen.ts).
 * --linger N adds a ceiling that stays busy N µs after each answer: at one connection, whether the
 * server's core has gone idle when the next request comes decides much of the round trip.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { APP_NAMESPACE, VALIDATE_PATH, NAMESPACES_YAML, configYaml, namedPodReview } from './fixtures.js';
import { runLoad } from './loadgen.js';
import { cpuMicros, stop } from './proc.js';
import { startCeiling, startZtgate, type Server } from './servers.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_CORE = 0;
/** The CPU target of bench/README.md: validate ≤ 1.25× the ceiling's CPU per review. */
const CPU_TARGET = 1.25;

export interface WorkPoint {
  work: number;
  cpu: number;
}

/**
 * The work (µs added to the ceiling) whose measured CPU equals `cpu`, reading the curve piecewise
 * linearly; past either end the nearest segment is extended and the answer is marked as extrapolated.
 */
export function equivalentWork(points: readonly WorkPoint[], cpu: number): { work: number; extrapolated: boolean } {
  const sorted = [...points].sort((a, b) => a.work - b.work);
  if (sorted.length < 2) throw new Error('equivalentWork needs at least two work levels');
  const last = sorted.length - 1;
  let segment = sorted.findIndex((point, i) => i < last && cpu >= Math.min(point.cpu, sorted[i + 1]!.cpu) && cpu <= Math.max(point.cpu, sorted[i + 1]!.cpu));
  const extrapolated = segment < 0;
  if (extrapolated) segment = cpu < sorted[0]!.cpu ? 0 : last - 1;
  const a = sorted[segment]!;
  const b = sorted[segment + 1]!;
  if (b.cpu === a.cpu) return { work: a.work, extrapolated };
  return { work: a.work + ((cpu - a.cpu) * (b.work - a.work)) / (b.cpu - a.cpu), extrapolated };
}

/** Per core, the interrupts one core sends another to wake or interrupt it (RES + CAL), from /proc/interrupts. */
export function wakeInterrupts(procInterrupts: string): number[] {
  const lines = procInterrupts.split('\n');
  const cores = (lines[0] ?? '').trim().split(/\s+/).filter((name) => /^CPU\d+$/.test(name)).length;
  const totals = new Array<number>(cores).fill(0);
  for (const line of lines) {
    const match = /^\s*(RES|CAL):((?:\s+\d+)+)/.exec(line);
    if (!match) continue;
    match[2]!.trim().split(/\s+/).slice(0, cores).forEach((count, core) => (totals[core]! += Number(count)));
  }
  return totals;
}

/** The cores this process may run on, from a Cpus_allowed_list such as "1" or "0-3,6". */
export function allowedCores(status: string): number[] {
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
  if (!list) return [];
  return list.split(',').flatMap((range) => {
    const [from, to = from] = range.split('-').map(Number);
    return Array.from({ length: to! - from! + 1 }, (_, i) => from! + i);
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function readInterrupts(): string | undefined {
  try {
    return readFileSync('/proc/interrupts', 'utf8');
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      work: { type: 'string', default: '0,4,8,16,24' },
      connections: { type: 'string', default: '32' },
      seconds: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      poll: { type: 'boolean', default: false },
      linger: { type: 'string', default: '0' },
    },
  });
  const levels = values.work!.split(',').map(Number);
  if (levels.length < 2 || levels.some((level) => !(level >= 0)) || !levels.includes(0)) {
    throw new Error('--work: at least two comma-separated µs values, 0 (the ceiling itself) among them');
  }
  const lingerMicros = Number(values.linger);
  if (!(lingerMicros >= 0)) throw new Error(`--linger: µs of busy work after each answer, got ${values.linger}`);
  const loadCores = allowedCores(readFileSync('/proc/self/status', 'utf8'));
  if (loadCores.includes(SERVER_CORE)) process.stderr.write(`warning: the load generator may run on core ${SERVER_CORE}, the servers' core; run under taskset -c 1\n`);

  const dir = mkdtempSync(join(tmpdir(), 'ztgate-marginal-'));
  writeFileSync(join(dir, 'namespaces.yaml'), NAMESPACES_YAML);
  writeFileSync(join(dir, 'config.yaml'), configYaml());
  const certsDir = join(dir, 'certs');
  const core = String(SERVER_CORE);
  // ztgate first: it creates the dev certificates the ceilings also use.
  const ztgate = await startZtgate({ repoRoot: REPO, name: 'ztgate validate', certsDir, configFile: join(dir, 'config.yaml'), namespacesFile: join(dir, 'namespaces.yaml'), cpus: core, logDir: undefined });
  const servers: Server[] = [ztgate];
  for (const level of levels) servers.push(await startCeiling(REPO, certsDir, core, undefined, { workMicros: level }));
  const ceilings = servers.slice(1);
  if (lingerMicros > 0) servers.push(await startCeiling(REPO, certsDir, core, undefined, { lingerMicros }));

  const body = JSON.stringify(namedPodReview(APP_NAMESPACE));
  const connections = Number(values.connections);
  const load = (server: Server, durationMs: number) => runLoad({ type: 'run', id: 0, port: server.port, path: VALIDATE_PATH, body, connections, durationMs, poll: values.poll! });
  const samples = new Map<Server, { cpu: number[]; rate: number[]; wakes: number[] }>(servers.map((server) => [server, { cpu: [], rate: [], wakes: [] }]));
  try {
    for (const server of servers) await load(server, 2000);
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const server of servers) {
        const interruptsBefore = readInterrupts();
        const cpuBefore = cpuMicros(server.pid);
        const result = await load(server, Number(values.seconds) * 1000);
        const cpu = (cpuMicros(server.pid) - cpuBefore) / result.requests;
        const interruptsAfter = readInterrupts();
        const sample = samples.get(server)!;
        sample.cpu.push(cpu);
        sample.rate.push(result.requests / (result.elapsedMs / 1000));
        if (interruptsBefore && interruptsAfter && loadCores.length > 0) {
          const [before, after] = [wakeInterrupts(interruptsBefore), wakeInterrupts(interruptsAfter)];
          const received = loadCores.reduce((sum, c) => sum + (after[c] ?? 0) - (before[c] ?? 0), 0);
          sample.wakes.push(received / result.requests);
        }
        if (result.errors > 0) throw new Error(`${server.name}: ${result.errors} failed requests (${result.errorSamples.join('; ')})`);
      }
    }
  } finally {
    for (const server of servers) await stop(server.child);
  }

  const client = values.poll ? 'a polling load generator' : 'a load generator that sleeps between answers';
  const lines = [`validate Pod, ${connections} connection(s), ${client}, ${values.rounds} interleaved rounds of ${values.seconds} s; medians`, ''];
  lines.push(`${'server'.padEnd(26)} ${'CPU µs/review'.padStart(14)} ${'req/s'.padStart(8)} ${'wakes of the load core/review'.padStart(30)}`);
  for (const [server, sample] of samples) {
    const wakes = sample.wakes.length > 0 ? median(sample.wakes).toFixed(2) : 'n/a';
    lines.push(`${server.name.padEnd(26)} ${median(sample.cpu).toFixed(1).padStart(14)} ${median(sample.rate).toFixed(0).padStart(8)} ${wakes.padStart(30)}`);
  }
  const curve = levels.map((work, i) => ({ work, cpu: median(samples.get(ceilings[i]!)!.cpu) }));
  const ceilingCpu = curve.find((point) => point.work === 0)!.cpu;
  const ztgateCpu = median(samples.get(ztgate)!.cpu);
  const equivalent = equivalentWork(curve, ztgateCpu);
  const budget = equivalentWork(curve, ceilingCpu * CPU_TARGET);
  const approx = (answer: { work: number; extrapolated: boolean }) => `${answer.work.toFixed(1)} µs${answer.extrapolated ? ' (extrapolated)' : ''}`;
  lines.push(
    '',
    `ztgate validate: ${(ztgateCpu / ceilingCpu).toFixed(2)}× the ceiling's CPU, what the ceiling plus ${approx(equivalent)} of work per review costs`,
    `${CPU_TARGET}× the ceiling's CPU (${(ceilingCpu * CPU_TARGET).toFixed(1)} µs) leaves room for ${approx(budget)} of work per review`,
    '',
  );
  process.stdout.write(lines.join('\n'));
}

if (process.argv[1]?.endsWith('marginal.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`marginal failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
