import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls until `probe` returns true. The limit is a watchdog against a hang, not a speed assertion: it is
 * set well above what the condition needs, and the failure says what was awaited and the last state seen.
 */
export async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, limitMs: number, state: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`gave up after ${limitMs} ms waiting for ${what}${state() ? `; last state: ${state()}` : ''}`);
    await sleep(50);
  }
}

/** Races `work` against a watchdog; the watchdog only exists to turn a hang into a failure. */
export async function withinWatchdog<T>(what: string, limitMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within the ${limitMs} ms watchdog`)), limitMs);
  });
  try {
    return await Promise.race([work, watchdog]);
  } finally {
    clearTimeout(timer);
  }
}
