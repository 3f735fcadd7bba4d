/**
 * The processes the suite starts besides the control plane (ztgate, the second webhook). Each is
 * tracked by its pid and stopped by that pid only; an exit hook SIGKILLs whatever is still running if the
 * test process ends without teardown.
 */
import { readFileSync } from 'node:fs';
import { launch, terminate, type Proc } from '../control-plane/cluster.js';

export class ProcessSet {
  private readonly procs = new Set<Proc>();
  private readonly emergency = (): void => {
    for (const p of this.procs) {
      if (!p.exited && p.child.pid !== undefined) {
        try {
          process.kill(p.child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
  };

  constructor() {
    process.on('exit', this.emergency);
  }

  /** Starts `node ...args` with stdout and stderr appended to logFile. */
  startNode(name: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): Proc {
    const p = launch(name, process.execPath, args, logFile, env);
    this.procs.add(p);
    return p;
  }

  /** SIGTERM, then SIGKILL after graceMs; by pid. */
  async stop(p: Proc, graceMs = 10_000): Promise<void> {
    await terminate(p, graceMs);
    this.procs.delete(p);
  }

  async stopAll(graceMs = 5_000): Promise<void> {
    for (const p of [...this.procs].reverse()) await this.stop(p, graceMs);
    process.off('exit', this.emergency);
  }
}

export function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Polls `probe` every intervalMs until it returns a value; throws `describe()` once the deadline passes. */
export async function pollUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, describe: () => string = () => '', intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}\n${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
