/**
 * ztgate as a separate process: `node dist/cli/main.js serve` on a fixed loopback port, so the webhook URL
 * registered with the API server stays valid across a stop and a restart.
 */
import { connect } from 'node:tls';
import { join } from 'node:path';
import { get, tail, type Proc } from '../control-plane/cluster.js';
import { ZTGATE_MAIN } from './build.js';
import { pollUntil, readLog, type ProcessSet } from './processes.js';

export interface ZtgateServerOptions {
  processes: ProcessSet;
  /** Working dir: log file lives here. */
  dir: string;
  port: number;
  certFile: string;
  keyFile: string;
  caPem: string;
  configFile: string;
  /** Namespaces are watched through this kubeconfig (the admin one). */
  kubeconfig: string;
  readyTimeoutMs?: number;
}

export type LogRecord = Record<string, unknown>;

export class ZtgateServer {
  readonly url: string;
  readonly logFile: string;
  private proc: Proc | undefined;
  /** How the last stopped process ended ("exit code 0", "signal SIGKILL", ...). */
  lastExit: string | undefined;

  constructor(private readonly options: ZtgateServerOptions) {
    this.url = `https://127.0.0.1:${options.port}`;
    this.logFile = join(options.dir, 'ztgate.log');
  }

  get port(): number {
    return this.options.port;
  }

  get running(): boolean {
    return this.proc !== undefined && !this.proc.exited;
  }

  /** Starts the process and waits for /readyz (which also waits for the first Namespace and ZeroTrustRule lists). */
  async start(): Promise<void> {
    if (this.running) throw new Error('ztgate is already running');
    const o = this.options;
    const args = [
      ZTGATE_MAIN,
      'serve',
      '--host', '127.0.0.1',
      '--port', String(o.port),
      '--metrics-port', '0',
      '--tls-cert', o.certFile,
      '--tls-key', o.keyFile,
      '--config', o.configFile,
      '--kubeconfig', o.kubeconfig,
      '--shutdown-delay', '0s',
      // The registration scenario edits the stored configurations and waits for ztgate to notice.
      '--registration-check', '1s',
    ];
    const env = { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' };
    const proc = o.processes.startNode('ztgate', args, this.logFile, env);
    this.proc = proc;
    await pollUntil(
      `ztgate /readyz at ${this.url}`,
      o.readyTimeoutMs ?? 30_000,
      async () => {
        if (proc.exited) throw new Error(`ztgate exited (${proc.exitInfo}) before it was ready`);
        const r = await get(`${this.url}/readyz`, o.caPem);
        return r.status === 200 ? true : undefined;
      },
      () => `--- ztgate log (tail) ---\n${tail(this.logFile)}`,
    ).catch((error: unknown) => {
      if (proc.exited) throw new Error(`ztgate exited (${proc.exitInfo}) before it was ready\n--- ztgate log (tail) ---\n${tail(this.logFile)}`);
      throw error;
    });
  }

  /** GET /readyz: the status and its checks by name (detail). */
  async readiness(): Promise<{ status: number; checks: Record<string, string> }> {
    const r = await get(`${this.url}/readyz`, this.options.caPem);
    const body = JSON.parse(r.body) as { checks?: { name: string; detail: string }[] };
    return { status: r.status, checks: Object.fromEntries((body.checks ?? []).map((check) => [check.name, check.detail])) };
  }

  /** SIGTERM by pid; SIGKILL after graceMs. */
  async stop(graceMs = 10_000): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc) return;
    await this.options.processes.stop(proc, graceMs);
    this.lastExit = proc.exitInfo;
  }

  logText(): string {
    return readLog(this.logFile);
  }

  logTail(lines = 40): string {
    return tail(this.logFile, lines);
  }

  /** The JSON log lines (pino), in order; other lines are skipped. */
  records(): LogRecord[] {
    const out: LogRecord[] = [];
    for (const line of this.logText().split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as LogRecord);
      } catch {
        /* a line cut by a concurrent write */
      }
    }
    return out;
  }

  decisions(): LogRecord[] {
    return this.records().filter((r) => r['msg'] === 'admission decision');
  }

  /**
   * The decisions matching `match`, once at least one is in the log: pino writes asynchronously, so a
   * line may land after kubectl already printed the answer.
   */
  async waitForDecisions(what: string, match: (d: LogRecord) => boolean, timeoutMs = 10_000): Promise<LogRecord[]> {
    return pollUntil(
      `ztgate to log ${what}`,
      timeoutMs,
      async () => {
        const found = this.decisions().filter(match);
        return found.length > 0 ? found : undefined;
      },
      () => `--- ztgate log (tail) ---\n${this.logTail()}`,
    );
  }

  /** SHA-256 fingerprint of the certificate a new TLS connection is served now. */
  servedFingerprint(): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: this.options.port, ca: this.options.caPem }, () => {
        const cert = socket.getPeerCertificate();
        socket.end();
        resolve(cert.fingerprint256);
      });
      socket.setTimeout(5000, () => socket.destroy(new Error('TLS handshake timed out')));
      socket.on('error', reject);
    });
  }
}
