import { pino, type Logger, type DestinationStream } from 'pino';

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

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env['ZTGATE_LOG_LEVEL'] ?? 'info',
      base: { service: 'ztgate' },
      // Never log admitted objects: Secrets' data and env values could pass through a review.
      redact: { paths: ['object', 'oldObject', 'request.object', 'request.oldObject', '*.object', '*.oldObject'], remove: true },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

export type { Logger };
