import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface LoadLimits {
  /** Reviews being processed at once before new ones are shed. */
  maxInFlight: number;
  /** Event-loop delay (ms, max over the last sampling window) above which new reviews are shed. */
  maxEventLoopDelayMs: number;
}

/**
 * Defaults from bench/: one review costs well under a millisecond of CPU, so 256 concurrent reviews
 * already mean a queue of hundreds of milliseconds, and a 500 ms event-loop stall means answers are
 * late for everyone. Shedding answers at once instead of letting queues and memory grow.
 */
export const DEFAULT_LOAD_LIMITS: LoadLimits = { maxInFlight: 256, maxEventLoopDelayMs: 500 };

export class LoadShedder {
  private inFlight = 0;
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private recentDelayMs = 0;

  constructor(
    private readonly limits: LoadLimits = DEFAULT_LOAD_LIMITS,
    windowMs = 1000,
  ) {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.recentDelayMs = this.histogram.max / 1e6;
      this.histogram.reset();
    }, windowMs);
    this.timer.unref();
  }

  /** Why a new review must be shed now, or undefined when it may start. */
  shedReason(): string | undefined {
    if (this.inFlight >= this.limits.maxInFlight) return `${this.inFlight} reviews in flight (limit ${this.limits.maxInFlight})`;
    if (this.recentDelayMs > this.limits.maxEventLoopDelayMs) {
      return `event loop delayed ${Math.round(this.recentDelayMs)} ms (limit ${this.limits.maxEventLoopDelayMs} ms)`;
    }
    return undefined;
  }

  start(): void {
    this.inFlight += 1;
  }

  finish(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  get current(): number {
    return this.inFlight;
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
