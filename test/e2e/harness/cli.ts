/** Runs the built ztgate CLI (`node dist/cli/main.js ...`) as a child process, asynchronously. */
import { execFile } from 'node:child_process';
import { REPO_ROOT, ZTGATE_MAIN } from './build.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function ztgateCli(args: string[], input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [ZTGATE_MAIN, ...args], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 120_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err);
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input ?? '');
  });
}

/** ztgateCli that throws with both streams when the command fails. */
export async function mustZtgateCli(args: string[], input?: string): Promise<CliResult> {
  const result = await ztgateCli(args, input);
  if (result.code !== 0) throw new Error(`ztgate ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
  return result;
}
