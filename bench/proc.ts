/**
 * Server processes seen from outside: CPU time and peak memory read from /proc, so that no server
 * (ztgate, the ceiling, Pepr) needs a line of benchmark code inside it, and core pinning with taskset.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { connect } from 'node:tls';
import { availableParallelism } from 'node:os';

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU of the whole process (every thread: JS, GC, libuv pool), in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / ticksPerSecond();
}

/** Peak (VmHWM) and current (VmRSS) resident memory, in bytes. */
export function memory(pid: number): { peak: number; current: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { peak: kb('VmHWM'), current: kb('VmRSS') };
}

export interface Pinning {
  /** taskset CPU lists for the servers and for the load generator, or undefined when not pinned. */
  server?: string;
  client?: string;
  note: string;
}

export function choosePinning(): Pinning {
  const cores = availableParallelism();
  let taskset = false;
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    taskset = true;
  } catch {
    taskset = false;
  }
  if (!taskset) return { note: 'taskset is not available: servers and load generator share the cores' };
  if (cores < 2) return { note: `${cores} core: servers and load generator share it` };
  return { server: '0', client: String(cores - 1), note: `servers on core 0, load generator on core ${cores - 1} (taskset)` };
}

let niceness = 0;

/**
 * Scheduling priority of every process the benchmark starts (servers, load generator, check). On a
 * machine shared with builds, a negative value (root only) keeps those builds from taking the pinned
 * cores mid-run; every scenario gets the same value, so the comparison stays fair.
 */
export function setNiceness(value: number): void {
  niceness = value;
}

/** Spawns `command args` on the given cores; the child's pid is the command's (nice and taskset exec it). */
export function spawnPinned(cpus: string | undefined, command: string, args: string[], options: SpawnOptions): ChildProcess {
  const pinned = cpus ? ['taskset', '-c', cpus, command, ...args] : [command, ...args];
  const full = niceness !== 0 ? ['nice', '-n', String(niceness), ...pinned] : pinned;
  return spawn(full[0]!, full.slice(1), options);
}

/** Where a server's stdout and stderr go: a file when BENCH_SERVER_LOGS names a directory, else nowhere. */
export function serverStdio(name: string, logDir: string | undefined): SpawnOptions['stdio'] {
  if (!logDir) return ['ignore', 'ignore', 'pipe'];
  const out = openSync(`${logDir}/${name}.log`, 'a');
  return ['ignore', out, out];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function tlsReachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until `port` completes a TLS handshake, the child exits, or the timeout passes. */
export async function waitForTls(port: number, child: ChildProcess, timeoutMs: number, what: string, stderr: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before listening on ${port}: ${stderr().slice(-800)}`);
    }
    if (await tlsReachable(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on ${port} within ${timeoutMs / 1000} s: ${stderr().slice(-800)}`);
}

/** Collects the last few KB a child wrote to a piped stderr, for error messages. */
export function tailOf(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  });
  return () => tail;
}

export async function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
