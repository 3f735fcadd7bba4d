import { writeSync } from 'node:fs';

/**
 * Log lines go out once per event-loop turn, in one write. A synchronous write per line cost about 10 µs
 * of CPU per review under load (the system call, not the serialisation: measured with a destination that
 * drops lines), while the reviews answered in one turn can share a single write. Lines wait at most
 * until the end of the current turn, so at a review at a time the output is as prompt as before, and
 * nothing is ever handed to the thread pool (pino's asynchronous default, ~60 µs per line at low rates).
 */

/** Writes `bytes` from `offset`; returns how many were written (may be fewer), or throws with `code`. */
export type WriteBytes = (bytes: Buffer, offset: number) => number;

export interface TurnBatchedOutputOptions {
  /** Past this many pending characters the lines are written at once instead of at the end of the turn. */
  maxPending?: number;
  /** Called when lines are lost: output failed for good (EPIPE: nobody reads stdout) or stayed blocked. */
  onLoss?: (error: Error) => void;
  /** Waits before retrying a write that would block; the default sleeps the thread. */
  pause?: (ms: number) => void;
}

const DEFAULT_MAX_PENDING = 64 * 1024;
/** A pipe that stays full this long is not being read: lines are dropped rather than stalling admission. */
const MAX_BLOCKED_MS = 10_000;
const RETRY_PAUSE_MS = 1;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class TurnBatchedOutput {
  private pending: string[] = [];
  private pendingLength = 0;
  private scheduled = false;
  private failed = false;
  private readonly maxPending: number;

  constructor(
    private readonly writeBytes: WriteBytes,
    private readonly options: TurnBatchedOutputOptions = {},
  ) {
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
  }

  /** An output to a file descriptor (1 for stdout). */
  static toFd(fd: number, options: TurnBatchedOutputOptions = {}): TurnBatchedOutput {
    return new TurnBatchedOutput((bytes, offset) => writeSync(fd, bytes, offset), options);
  }

  write(line: string): void {
    if (this.failed) return;
    this.pending.push(line);
    this.pendingLength += line.length;
    if (this.pendingLength >= this.maxPending) {
      this.flushSync();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.endOfTurn);
    }
  }

  private readonly endOfTurn = (): void => {
    this.scheduled = false;
    this.flushSync();
  };

  /** pino calls this from logger.flush(). */
  flush(callback?: (error?: Error) => void): void {
    this.flushSync();
    callback?.();
  }

  /** Writes every pending line now: at the end of a turn, when the batch is full, and on exit. */
  flushSync(): void {
    if (this.pending.length === 0) return;
    const bytes = Buffer.from(this.pending.length === 1 ? this.pending[0]! : this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingLength = 0;
    if (!this.failed) this.writeAll(bytes);
  }

  private writeAll(bytes: Buffer): void {
    const pause = this.options.pause ?? sleep;
    let offset = 0;
    let blockedMs = 0;
    while (offset < bytes.length) {
      try {
        offset += this.writeBytes(bytes, offset);
        blockedMs = 0;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EBUSY') {
          if (blockedMs < MAX_BLOCKED_MS) {
            pause(RETRY_PAUSE_MS);
            blockedMs += RETRY_PAUSE_MS;
            continue;
          }
          this.options.onLoss?.(new Error(`log output blocked for ${MAX_BLOCKED_MS} ms; ${bytes.length - offset} bytes of log lines dropped`));
          return;
        }
        this.failed = true;
        this.options.onLoss?.(error instanceof Error ? error : new Error(String(error)));
        return;
      }
    }
  }
}
