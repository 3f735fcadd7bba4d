import { readFileSync } from 'node:fs';
import { defaultConfig } from '../config/parse.js';
import { INVARIANTS, invariantById } from '../invariants/registry.js';
import { modeOf } from '../engine/decide.js';
import { parseFlags } from './args.js';
import { UsageError, type Command } from './command.js';

/** The `## ID: title` section of docs/invariants.md, shipped with the package. */
function documentation(id: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(new URL('../../docs/invariants.md', import.meta.url), 'utf8');
  } catch {
    return undefined;
  }
  const start = text.indexOf(`## ${id}:`);
  if (start === -1) return undefined;
  const next = text.slice(start + 3).search(/^#{1,2} /m);
  return text.slice(start, next === -1 ? undefined : start + 3 + next).trim();
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'Print the documentation of an invariant',
  help: `Usage: ztgate explain ZT-XXX-NNN
       ztgate explain --list

Prints what the invariant checks, why, its default mode and an example fix.

Examples:
  ztgate explain ZT-POD-003
  ztgate explain --list`,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, { list: { type: 'boolean', default: false } }, true);
    const config = defaultConfig();
    if (values.list) {
      for (const invariant of INVARIANTS) io.stdout.write(`${invariant.id}  ${modeOf(invariant, config).padEnd(7)}  ${invariant.title}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('give one invariant id, e.g. ztgate explain ZT-POD-001 (or --list)');
    const id = positionals[0]!.toUpperCase();
    const invariant = invariantById(id);
    if (!invariant) throw new UsageError(`unknown invariant ${JSON.stringify(positionals[0])}; ztgate explain --list shows them all`);
    const doc = documentation(id);
    io.stdout.write(
      doc ? `${doc}\n` : `${invariant.id}: ${invariant.title}\nDefault mode: ${invariant.defaultMode}\n\n${invariant.rationale}\n`,
    );
    return 0;
  },
};
