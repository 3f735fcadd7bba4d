import { Worker } from 'node:worker_threads';

const TSX_API = import.meta.resolve('tsx/esm/api');

/**
 * Runs `module`'s export `name` in a worker thread and returns what it returns. The point is the
 * watchdog: a synchronous hang (an endless loop in a parser) cannot be interrupted from inside the
 * thread that runs it, but a worker can be terminated, and the test then fails instead of hanging CI.
 */
export function inWorker<T>(module: URL, name: string, watchdogMs: number, data: unknown = undefined): Promise<T> {
  const bootstrap = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(${JSON.stringify(TSX_API)})
      .then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })
      .then((m) => m[${JSON.stringify(name)}](workerData))
      .then(
        (result) => parentPort.postMessage({ ok: true, result }),
        (error) => parentPort.postMessage({ ok: false, message: (error && error.stack) || String(error) }),
      );
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(bootstrap, { eval: true, workerData: data, resourceLimits: { maxOldGenerationSizeMb: 2048 } });
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
      void worker.terminate();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`${name} did not finish within the ${watchdogMs} ms watchdog: a hang`))), watchdogMs);
    worker.on('message', (message: { ok: boolean; result?: T; message?: string }) =>
      finish(() => (message.ok ? resolve(message.result as T) : reject(new Error(message.message)))),
    );
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`${name}: the worker exited with code ${code} before answering`))));
  });
}

/** Runs per fuzz property: a fixed default for CI, more with ZTGATE_FUZZ_RUNS=N. */
export function fuzzRuns(ciDefault: number): number {
  const asked = Number(process.env['ZTGATE_FUZZ_RUNS']);
  return Number.isInteger(asked) && asked > 0 ? asked : ciDefault;
}

/** The fixed seed (a failure reproduces); ZTGATE_FUZZ_SEED explores others. */
export function fuzzSeed(): number {
  const asked = Number(process.env['ZTGATE_FUZZ_SEED']);
  return Number.isInteger(asked) ? asked : 20_261_123;
}
