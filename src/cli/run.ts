import { ZtgateError } from '../errors.js';
import { ConfigError } from '../config/reader.js';
import { UsageError, type CommandIO } from './command.js';
import { COMMANDS } from './commands.js';

const USAGE = `Usage: ztgate <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(10)} ${command.summary}`).join('\n')}

Run 'ztgate <command> --help' for a command's options and examples.`;

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [given, ...rest] = argv;
  // `--version` as most command-line tools spell it.
  const name = given === '--version' ? 'version' : given;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const entry = COMMANDS.find((candidate) => candidate.name === name);
  if (!entry) {
    io.stderr.write(`ztgate: unknown command ${JSON.stringify(name)}\n\n${USAGE}\n`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ZtgateError || error instanceof ConfigError) {
      const detail = error instanceof ZtgateError ? `${error.code}: ${error.message}` : error.message;
      io.stderr.write(`ztgate ${command.name}: ${detail}\n`);
      return 2;
    }
    io.stderr.write(`ztgate ${command.name}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
