import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/run.js';

/** Runs the CLI in-process with captured streams. */
export async function runCli(args: string[], stdin = '', env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await main(args, { stdin: Readable.from([stdin]), stdout, stderr, env, cwd: process.cwd() });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
