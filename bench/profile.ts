/**
 * Where ztgate spends its CPU under load: one ztgate per scenario, started with --cpu-prof, driven at
 * 32 connections, stopped cleanly so V8 writes the profile, then summarised by self time, by time
 * inside ztgate's own functions (inclusive) and by package.
 *
 *   node --import tsx bench/profile.ts [--seconds 10] [--scenarios validate,mutate,calico,cel100,check] [--keep DIR]
 *
 * `check` profiles `ztgate check` over 10,000 generated documents instead of a server.
 * The profiled server is slower than an unprofiled one: compare shares, not absolute times.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { APP_NAMESPACE, VALIDATE_PATH, MESH_NAMESPACE, NAMESPACES_YAML, celRulesYaml, configYaml, namedPodReview, podReview, policyReview, writeCheckManifests } from './fixtures.js';
import { runLoad } from './loadgen.js';
import { stop } from './proc.js';
import { startZtgate } from './servers.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  self: { frame: string; ms: number; share: number }[];
  ztgateInclusive: { frame: string; ms: number; share: number }[];
  packages: { package: string; ms: number; share: number }[];
}

function where(url: string): string {
  if (url === '') return '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return 'node';
  const dist = /\/dist\/(.+)$/.exec(url);
  if (dist && isZtgate(url)) return `ztgate:${dist[1]!.split('/')[0]}`;
  return url;
}

/** ztgate's own compiled code, not a dependency's dist/ folder. */
function isZtgate(url: string): boolean {
  return url.includes(`${REPO}/dist/`) && !url.includes('/node_modules/');
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const short = url.includes('/node_modules/') ? url.replace(/.*node_modules\//, '') : url.replace(/^file:\/\//, '').replace(/.*\/dist\//, 'dist/');
  return `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
}

/** Self time per frame, inclusive time per ztgate frame (counted once per sample), time per package. */
export function summariseProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    total += micros;
    const name = label(node);
    self.set(name, (self.get(name) ?? 0) + micros);
    const pkg = node.callFrame.url ? where(node.callFrame.url) : node.callFrame.functionName;
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!;
      if (!isZtgate(frame.callFrame.url)) continue;
      const key = label(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
    }
  });
  const rank = (map: Map<string, number>): [string, number][] => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const share = (micros: number): number => Number(((100 * micros) / total).toFixed(1));
  return {
    totalMs: Math.round(total / 1000),
    self: rank(self).map(([frame, micros]) => ({ frame, ms: Math.round(micros / 1000), share: share(micros) })),
    ztgateInclusive: rank(inclusive).map(([frame, micros]) => ({ frame, ms: Math.round(micros / 1000), share: share(micros) })),
    packages: rank(packages).map(([pkg, micros]) => ({ package: pkg, ms: Math.round(micros / 1000), share: share(micros) })),
  };
}

function print(name: string, summary: ProfileSummary): void {
  const out: string[] = [`\n## ${name}: ${summary.totalMs} ms sampled`, '', 'self time:'];
  for (const row of summary.self) out.push(`  ${row.share.toFixed(1).padStart(5)}%  ${row.frame}`);
  out.push('', 'inclusive time in ztgate functions:');
  for (const row of summary.ztgateInclusive) out.push(`  ${row.share.toFixed(1).padStart(5)}%  ${row.frame}`);
  out.push('', 'by package:');
  for (const row of summary.packages) out.push(`  ${row.share.toFixed(1).padStart(5)}%  ${row.package}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '10' }, scenarios: { type: 'string', default: 'validate,mutate,calico,cel100' }, keep: { type: 'string' } },
  });
  const seconds = Number(values.seconds);
  const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'ztgate-profile-'));
  mkdirSync(dir, { recursive: true });
  const namespacesFile = join(dir, 'namespaces.yaml');
  writeFileSync(namespacesFile, NAMESPACES_YAML);
  const scenarios: Record<string, { path: string; body: string; config: string }> = {
    validate: { path: VALIDATE_PATH, body: JSON.stringify(namedPodReview(APP_NAMESPACE)), config: configYaml() },
    mutate: { path: '/mutate', body: JSON.stringify(podReview(MESH_NAMESPACE)), config: configYaml() },
    calico: { path: VALIDATE_PATH, body: JSON.stringify(policyReview(50)), config: configYaml() },
    cel100: { path: VALIDATE_PATH, body: JSON.stringify(namedPodReview(APP_NAMESPACE)), config: configYaml(celRulesYaml(100)) },
  };
  const results: Record<string, ProfileSummary> = {};
  const certsDir = join(dir, 'certs');
  // Create the dev certificates unprofiled, so RSA key generation stays out of every profile.
  const configFile0 = join(dir, 'default.yaml');
  writeFileSync(configFile0, configYaml());
  const baseOptions = { repoRoot: REPO, certsDir, configFile: configFile0, namespacesFile, cpus: undefined, logDir: undefined };
  await stop((await startZtgate({ ...baseOptions, name: 'profile-certs' })).child);
  const readProfile = (profileDir: string): CpuProfile => {
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`ztgate wrote no profile to ${profileDir} (it must exit cleanly)`);
    return JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
  };
  for (const name of values.scenarios!.split(',')) {
    if (name === 'check') {
      const manifests = join(dir, 'check-manifests');
      writeCheckManifests(manifests, 10_000);
      const profileDir = join(dir, 'check');
      const started = performance.now();
      try {
        execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profileDir, join(REPO, 'dist', 'cli', 'main.js'), 'check', '-f', manifests, '--namespaces', namespacesFile, '-o', 'json'], { stdio: 'ignore' });
      } catch (error) {
        // Exit 1 means some documents were denied, which the generated set intends.
        if ((error as { status?: number }).status !== 1) throw error;
      }
      process.stderr.write(`check: 10000 documents in ${((performance.now() - started) / 1000).toFixed(1)} s under the profiler\n`);
      results[name] = summariseProfile(readProfile(profileDir));
      print(name, results[name]);
      continue;
    }
    const scenario = scenarios[name];
    if (!scenario) throw new Error(`unknown scenario ${name}: ${Object.keys(scenarios).join(', ')}`);
    const profileDir = join(dir, name);
    const configFile = join(dir, `${name}.yaml`);
    writeFileSync(configFile, scenario.config);
    const server = await startZtgate({ ...baseOptions, name: `profile-${name}`, configFile, nodeFlags: ['--cpu-prof', '--cpu-prof-dir', profileDir] });
    await runLoad({ type: 'run', id: 0, port: server.port, path: scenario.path, body: scenario.body, connections: 32, durationMs: 2000 });
    const result = await runLoad({ type: 'run', id: 0, port: server.port, path: scenario.path, body: scenario.body, connections: 32, durationMs: seconds * 1000 });
    process.stderr.write(`${name}: ${result.requests} reviews in ${seconds} s under the profiler\n`);
    await stop(server.child, 20_000);
    results[name] = summariseProfile(readProfile(profileDir));
    print(name, results[name]);
  }
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stderr.write(`profiles and summary.json in ${dir}\n`);
}

if (process.argv[1]?.endsWith('profile.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`profile failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
