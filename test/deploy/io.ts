import { PassThrough, Writable } from 'node:stream';
import type { Command, CommandIO } from '../../src/cli/command.js';

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

function collector(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
}

/** Runs a command in-process with captured output, the way the CLI dispatcher would. */
export async function runCommand(command: Command, args: string[], cwd = process.cwd()): Promise<CommandRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const io: CommandIO = { stdin: new PassThrough(), stdout: collector(out), stderr: collector(err), env: {}, cwd };
  const code = await command.run(args, io);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
