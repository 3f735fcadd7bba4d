import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { call, type Answer, type PostOptions } from './client.js';
import { waitUntil } from './wait.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export type LogLine = Record<string, unknown>;

/**
 * `ztgate serve` as its own process, run from source exactly as `node --import tsx src/cli/main.ts serve`
 * does, on ports the kernel picks (read back from its "ztgate serving" log line).
 */
export class ServeProcess {
  readonly lines: LogLine[] = [];
  /** Log lines seen per message, retained or not. */
  readonly counts = new Map<string, number>();
  port = 0;
  metricsPort = 0;
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';

  private constructor(
    readonly child: ChildProcess,
    readonly ca: string,
    retain: (line: LogLine) => boolean,
  ) {
    let pending = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        if (!line.startsWith('{')) continue;
        try {
          const parsed = JSON.parse(line) as LogLine;
          this.counts.set(String(parsed['msg']), (this.counts.get(String(parsed['msg'])) ?? 0) + 1);
          if (retain(parsed)) this.lines.push(parsed);
        } catch {
          // Not a log line.
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr = (this.stderr + chunk).slice(-4000)));
    this.exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  /**
   * Starts serve with `args` (add --config, --tls-cert... as needed) and waits until it listens. `retain`
   * picks the log lines kept in memory (a long soak keeps none of its decision lines, only their count).
   */
  static async start(args: string[], ca: string, options: { env?: NodeJS.ProcessEnv; startLimitMs?: number; retain?: (line: LogLine) => boolean } = {}): Promise<ServeProcess> {
    const { env = {}, startLimitMs = 60_000, retain = () => true } = options;
    const childEnv = { ...process.env, ...env };
    delete childEnv['NODE_TEST_CONTEXT'];
    delete childEnv['ZTGATE_CONFIG'];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', ...args], {
      cwd: REPO,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const serve = new ServeProcess(child, ca, retain);
    let exited = false;
    void serve.exit.then(() => (exited = true));
    await waitUntil('ztgate serve to listen', () => exited || serve.serving() !== undefined, startLimitMs, () => serve.tail());
    const line = serve.serving();
    if (!line) throw new Error(`ztgate serve exited before listening:\n${serve.tail()}`);
    serve.port = Number(new URL(String(line['url'])).port);
    serve.metricsPort = Number(line['metricsPort']);
    return serve;
  }

  private serving(): LogLine | undefined {
    return this.lines.find((line) => line['msg'] === 'ztgate serving');
  }

  get pid(): number {
    return this.child.pid!;
  }

  post(path: string, body: string | Buffer, options: Partial<PostOptions> = {}): Promise<Answer> {
    return call(this.port, path, body, { ca: this.ca, ...options });
  }

  get(path: string, options: Partial<PostOptions> = {}): Promise<Answer> {
    return call(this.port, path, undefined, { ca: this.ca, ...options });
  }

  /** Open file descriptors of the process, from /proc. */
  fdCount(): number {
    return readdirSync(`/proc/${this.pid}/fd`).length;
  }

  messages(msg: string): LogLine[] {
    return this.lines.filter((line) => line['msg'] === msg);
  }

  tail(): string {
    return [...this.lines.slice(-15).map((line) => JSON.stringify(line)), this.stderr].join('\n');
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exit;
  }

  /** SIGTERM, then SIGKILL if it has not exited in `graceMs`; only this child is ever signalled. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }
}
