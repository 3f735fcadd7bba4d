import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream';
import type { Logger } from 'pino';
import type { PolicyAuditEvent } from './policy-event.js';

export interface AuditSink {
  record(event: PolicyAuditEvent): void;
  /** Flushes every recorded line to the file, then closes it. Safe to call twice. */
  close(): Promise<void>;
}

export interface AuditSinkOptions {
  logger: Logger;
  /** A JSON-lines file to append to, besides the log. */
  file?: string;
}

export const AUDIT_MESSAGE = 'policy change reviewed';

/**
 * Writes each event as one log line on a child logger marked `audit: true`, and appends it to the
 * file when one is configured. A dry run is logged but not appended: it must leave no trace beyond
 * the log line that marks it as a dry run.
 */
export function createAuditSink(options: AuditSinkOptions): AuditSink {
  const log = options.logger.child({ audit: true });
  let stream: WriteStream | undefined;
  if (options.file) {
    const file = options.file;
    stream = createWriteStream(file, { flags: 'a', encoding: 'utf8' });
    // A full disk or a vanished directory must not take the webhook down; the log line still exists.
    stream.on('error', (error) => log.error({ err: error, file }, 'cannot append to the audit file'));
  }
  let closing: Promise<void> | undefined;

  return {
    record(event) {
      log.info({ ...event }, AUDIT_MESSAGE);
      if (stream && !closing && !event.dryRun) stream.write(`${JSON.stringify(event)}\n`);
    },
    close() {
      if (closing) return closing;
      const open = stream;
      closing = open
        ? new Promise<void>((resolve) => {
            // end() queues behind every pending write, so nothing recorded before close() is lost.
            finished(open, () => resolve());
            open.end();
          })
        : Promise.resolve();
      return closing;
    },
  };
}
