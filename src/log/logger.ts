import { pino, type Logger, type DestinationStream } from 'pino';
import { TurnBatchedOutput } from './turn-batched-output.js';

/** Constant keys, so log queries and tests read lines back as objects. */
export const LOG_KEYS = {
  uid: 'uid',
  kind: 'kind',
  namespace: 'namespace',
  name: 'name',
  operation: 'operation',
  webhook: 'webhook',
} as const;

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * pino's `isoTime` output (`,"time":"2026-03-01T12:00:00.123Z"`) without a Date and toISOString per
 * line: one line per review made them a measurable share of a review. The text up to the milliseconds
 * changes once a second, so it is kept and only the milliseconds are appended.
 */
export function isoTimestamp(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    // Everything but "000Z": also right for the extended years toISOString writes with a sign.
    cachedPrefix = `,"time":"${new Date(second * 1000).toISOString().slice(0, -4)}`;
  }
  const ms = now - second * 1000;
  return `${cachedPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env['ZTGATE_LOG_LEVEL'] ?? 'info',
      base: { service: 'ztgate' },
      // Never log admitted objects: Secrets' data and env values could pass through a review. Lines are
      // built from named fields, so explicit keys suffice; a wildcard path would make pino walk every
      // key of every line.
      redact: { paths: ['object', 'oldObject', 'request.object', 'request.oldObject'], remove: true },
      timestamp: () => isoTimestamp(),
    },
    options.destination ?? stdoutDestination(),
  );
}

/**
 * Lines go to stdout once per event-loop turn (turn-batched-output.ts), and what is pending when the
 * process exits is written then. A lost line is reported on stderr, once per loss.
 */
function stdoutDestination(): DestinationStream {
  const output = TurnBatchedOutput.toFd(1, {
    onLoss: (error) => process.stderr.write(`ztgate: log lines lost: ${error.message}\n`),
  });
  process.once('exit', () => output.flushSync());
  return output;
}

export type { Logger };
