import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.js';

/** node:util parseArgs with errors turned into UsageError (exit 2) naming the flag. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}
