import { UsageError } from './argv';
import { checkConfigCommand } from './check-config';
import { engineCommand } from './engine';
import { startCommand } from './start';
import { statusCommand } from './status';
import { EXIT_OK, EXIT_USAGE, type Command, type CommandIo } from './io';
import { callparkVersion } from './version';

export const COMMANDS: readonly Command[] = [startCommand, statusCommand, engineCommand, checkConfigCommand];

function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'Usage: callpark COMMAND [OPTIONS]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Options:',
    '  --help, -h     show help (also: callpark COMMAND --help)',
    '  --version, -v  print the version',
  ].join('\n');
}

/** Runs the CLI with `args` (argv without node and script); resolves with the exit code. */
export async function runCli(args: readonly string[], io: CommandIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(mainHelp(commands));
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '--version' || first === '-v') {
    io.out(callparkVersion());
    return EXIT_OK;
  }
  const command = commands.find((candidate) => candidate.name === first);
  if (command === undefined) {
    io.err(`callpark: unknown command "${first}"\n\n${mainHelp(commands)}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`callpark ${command.name}: ${error.message}\n\n${command.usage}`);
    return EXIT_USAGE;
  }
}
