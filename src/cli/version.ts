import { readFileSync } from 'node:fs';
import { UsageError, type Command } from './command.js';

let cached: string | undefined;

/** The package version, read once from package.json beside src/ or dist/. */
export function ztgateVersion(): string {
  if (cached === undefined) {
    try {
      cached = String((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0');
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}

export const versionCommand: Command = {
  name: 'version',
  summary: 'Print the version of ztgate and of the node it runs on',
  help: `Usage: ztgate version
       ztgate --version

Prints ztgate's version (from its package.json), the node version and platform, one line.

Examples:
  ztgate version
  kubectl exec -n ztgate-system deploy/ztgate -- node dist/cli/main.js version`,
  async run(args, io) {
    if (args.length > 0) throw new UsageError(`version takes no arguments, got ${JSON.stringify(args.join(' '))}`);
    io.stdout.write(`ztgate ${ztgateVersion()} (node ${process.version}, ${process.platform}/${process.arch})\n`);
    return 0;
  },
};
