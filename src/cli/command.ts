import type { Readable, Writable } from 'node:stream';

export interface CommandIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** A CLI subcommand; run() resolves to the process exit code. */
export interface Command {
  name: string;
  summary: string;
  /** Full --help text, with examples. */
  help: string;
  run(args: string[], io: CommandIO): Promise<number>;
}

/** Bad flags or input: exit 2 with this message on stderr. */
export class UsageError extends Error {
  override name = 'UsageError';
}
