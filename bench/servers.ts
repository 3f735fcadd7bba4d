/**
 * The servers under test, each a separate process pinned to the server core: ztgate exactly as
 * `ztgate serve` runs from dist/, and the bare fastify ceiling.
 */
import type { ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { freePort, serverStdio, spawnPinned, tailOf, waitForTls } from './proc.js';

export interface Server {
  name: string;
  child: ChildProcess;
  pid: number;
  port: number;
  metricsPort?: number;
  stderr: () => string;
}

export interface ZtgateOptions {
  repoRoot: string;
  name: string;
  certsDir: string;
  configFile: string;
  namespacesFile: string;
  cpus: string | undefined;
  logDir: string | undefined;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
}

export async function startZtgate(options: ZtgateOptions): Promise<Server> {
  const port = await freePort();
  const metricsPort = await freePort();
  const args = [
    ...(options.nodeFlags ?? []),
    join(options.repoRoot, 'dist', 'cli', 'main.js'),
    'serve',
    '--dev-certs', options.certsDir,
    '--host', '127.0.0.1',
    '--port', String(port),
    '--metrics-port', String(metricsPort),
    '--config', options.configFile,
    '--namespaces', options.namespacesFile,
    '--shutdown-delay', '0s',
  ];
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  delete env['ZTGATE_CONFIG'];
  const child = spawnPinned(options.cpus, process.execPath, args, { cwd: options.repoRoot, env, stdio: serverStdio(options.name, options.logDir) });
  const stderr = tailOf(child);
  // The first start creates the dev CA and certificate (RSA key generation): allow for it.
  await waitForTls(port, child, 60_000, `ztgate (${options.name})`, stderr);
  return { name: options.name, child, pid: child.pid!, port, metricsPort, stderr };
}

export interface CeilingOptions {
  /** Extra node flags, e.g. --perf-basic-prof. */
  nodeFlags?: string[];
  /** Busy work added to every review before it is answered (bench/marginal.ts); 0 is the ceiling itself. */
  workMicros?: number;
  /** Busy work done after each answer is written, in the next turn (bench/marginal.ts --linger). */
  lingerMicros?: number;
}

export async function startCeiling(repoRoot: string, certsDir: string, cpus: string | undefined, logDir: string | undefined, options: CeilingOptions = {}): Promise<Server> {
  const port = await freePort();
  const script = join(repoRoot, 'bench', 'ceiling-server.mjs');
  const { nodeFlags = [], workMicros = 0, lingerMicros = 0 } = options;
  const args = [...nodeFlags, script, '--port', String(port), '--cert', join(certsDir, 'tls.crt'), '--key', join(certsDir, 'tls.key'), '--work-us', String(workMicros), '--linger-us', String(lingerMicros)];
  const name = `ceiling${workMicros > 0 ? `+${workMicros}µs` : ''}${lingerMicros > 0 ? `, lingering ${lingerMicros}µs` : ''}`;
  const child = spawnPinned(cpus, process.execPath, args, { cwd: repoRoot, stdio: serverStdio(name, logDir) });
  const stderr = tailOf(child);
  await waitForTls(port, child, 30_000, `the ${name} server`, stderr);
  return { name, child, pid: child.pid!, port, stderr };
}

/** ztgate's Prometheus text, for the counters that say whether a run measured what it meant to. */
export function scrapeMetrics(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics', timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

/** Sums every sample of a metric (all label sets); 0 when the metric is absent. */
export function metricTotal(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return total;
}
