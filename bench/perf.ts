/**
 * Where a server's CPU goes per review, kernel and native code included: one server pinned to core 0
 * with node's --perf-basic-prof (a symbol map for JIT code), driven at N connections, sampled with
 * `perf record -g -e cpu-clock`. Unlike --cpu-prof (bench/profile.ts), which samples the main thread's
 * wall clock, every sample here is CPU time, so time inside the kernel's TCP send or OpenSSL is
 * counted where it is spent. Each figure is µs of CPU per review: samples × the sampling period ÷
 * reviews served. Needs Linux `perf`; not part of `npm run bench`.
 *
 *   taskset -c 1 node --import tsx bench/perf.ts [--scenario validate|mutate|calico|ceiling] [--connections 32] [--seconds 5] [--top 25]
 *
 * (taskset keeps the load generator, which runs in this process, off the server's core.)
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { APP_NAMESPACE, VALIDATE_PATH, MESH_NAMESPACE, NAMESPACES_YAML, configYaml, namedPodReview, policyReview, replicaReviews } from './fixtures.js';
import { runLoad } from './loadgen.js';
import { stop } from './proc.js';
import { startCeiling, startZtgate, type Server } from './servers.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLE_HZ = 4999;

/** One stack per sample, leaf first, as `perf script -F ip,sym,dso` prints it. */
export function parseStacks(text: string): { frame: string; dso: string }[][] {
  const stacks: { frame: string; dso: string }[][] = [];
  let current: { frame: string; dso: string }[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') {
      if (current.length > 0) stacks.push(current);
      current = [];
      continue;
    }
    const match = /^[0-9a-f]+\s+(.*?)\s+\(([^)]*)\)$/.exec(trimmed);
    current.push(match ? { frame: match[1]!, dso: match[2]! } : { frame: trimmed, dso: '?' });
  }
  if (current.length > 0) stacks.push(current);
  return stacks;
}

function shortFrame(frame: string): string {
  return frame.replace(/file:\/\/\S*\/dist\//, 'dist/').replace(/\S*\/node_modules\//, '');
}

function dsoGroup(dso: string): string {
  if (dso.includes('kernel')) return 'kernel';
  if (dso.startsWith('/tmp/perf-') || dso.includes('JIT')) return 'JIT code (optimised JavaScript)';
  if (/\/node$/.test(dso)) return 'node binary (V8 runtime and builtins, libuv, OpenSSL)';
  return dso.split('/').pop() ?? dso;
}

function table(title: string, counts: Map<string, number>, microsPerSample: number, top: number): string {
  const rows = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [`\n${title}`, ...rows.map(([name, samples]) => `  ${(samples * microsPerSample).toFixed(2).padStart(8)} µs  ${name}`)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { scenario: { type: 'string', default: 'validate' }, connections: { type: 'string', default: '32' }, seconds: { type: 'string', default: '5' }, top: { type: 'string', default: '25' } },
  });
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('perf is not installed (Debian: linux-perf); bench/profile.ts gives a --cpu-prof view without it');
  }
  const dir = mkdtempSync(join(tmpdir(), 'ztgate-perf-'));
  writeFileSync(join(dir, 'namespaces.yaml'), NAMESPACES_YAML);
  writeFileSync(join(dir, 'config.yaml'), configYaml());
  const bodies: Record<string, { path: string; bodies: string[] }> = {
    validate: { path: VALIDATE_PATH, bodies: [JSON.stringify(namedPodReview(APP_NAMESPACE))] },
    ceiling: { path: VALIDATE_PATH, bodies: [JSON.stringify(namedPodReview(APP_NAMESPACE))] },
    mutate: { path: '/mutate', bodies: replicaReviews(MESH_NAMESPACE, 64) },
    calico: { path: VALIDATE_PATH, bodies: [JSON.stringify(policyReview(50))] },
  };
  const scenario = bodies[values.scenario!];
  if (!scenario) throw new Error(`--scenario: one of ${Object.keys(bodies).join(', ')}`);
  const certsDir = join(dir, 'certs');
  const flags = ['--perf-basic-prof'];
  const options = { repoRoot: REPO, certsDir, configFile: join(dir, 'config.yaml'), namespacesFile: join(dir, 'namespaces.yaml'), cpus: '0', logDir: undefined };
  // ztgate creates the dev certificates the ceiling also uses.
  const ztgate = await startZtgate({ ...options, name: 'perf-ztgate', nodeFlags: flags });
  let server: Server = ztgate;
  if (values.scenario === 'ceiling') {
    await stop(ztgate.child);
    server = await startCeiling(REPO, certsDir, '0', undefined, { nodeFlags: flags });
  }
  const connections = Number(values.connections);
  const load = (durationMs: number) => runLoad({ type: 'run', id: 0, port: server.port, path: scenario.path, body: scenario.bodies[0]!, bodies: scenario.bodies, connections, durationMs });
  await load(2000);
  const data = join(dir, 'perf.data');
  const recorder = spawn('perf', ['record', '-g', '-e', 'cpu-clock', '-F', String(SAMPLE_HZ), '-o', data, '-p', String(server.pid)], { stdio: 'ignore' });
  await new Promise((done) => setTimeout(done, 300));
  const result = await load(Number(values.seconds) * 1000);
  recorder.kill('SIGINT');
  await new Promise((done) => recorder.once('exit', done));
  await stop(server.child);

  const script = execFileSync('perf', ['script', '-i', data, '-F', 'ip,sym,dso'], { maxBuffer: 1 << 30, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const stacks = parseStacks(script);
  const microsPerSample = 1e6 / SAMPLE_HZ / result.requests;
  const byDso = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const leaves = new Map<string, number>();
  const add = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);
  for (const stack of stacks) {
    add(byDso, dsoGroup(stack[0]!.dso));
    add(leaves, shortFrame(stack[0]!.frame));
    for (const frame of new Set(stack.filter((f) => f.frame.startsWith('JS:')).map((f) => shortFrame(f.frame)))) add(inclusive, frame);
  }
  const top = Number(values.top);
  process.stdout.write(
    [
      `${values.scenario}, ${connections} connection(s): ${result.requests} reviews in ${values.seconds} s, ${stacks.length} samples, ${(stacks.length * microsPerSample).toFixed(1)} µs of CPU per review`,
      table('by where the sample landed:', byDso, microsPerSample, top),
      table('inclusive, per JavaScript frame (optimised frames are marked *):', inclusive, microsPerSample, top),
      table('self, per leaf frame (native and kernel included):', leaves, microsPerSample, top),
      '',
    ].join('\n'),
  );
}

if (process.argv[1]?.endsWith('perf.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`perf failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
