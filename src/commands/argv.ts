/** A tiny argv parser: `--flag value`, `--flag=value`, boolean `--flag`, `--` ends flags. */

/** Bad command-line usage; the CLI prints the message and the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type FlagKind = 'string' | 'boolean';

export interface ParsedArgv {
  readonly positionals: readonly string[];
  /** String flags map to their value, boolean flags to true; absent flags are absent. */
  readonly flags: ReadonlyMap<string, string | true>;
}

export function parseArgv(args: readonly string[], spec: Readonly<Record<string, FlagKind>>): ParsedArgv {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--') {
      positionals.push(...args.slice(index + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals === -1 ? undefined : equals);
    const kind = spec[name];
    if (kind === undefined) throw new UsageError(`unknown option --${name}`);
    if (flags.has(name)) throw new UsageError(`--${name} given twice`);
    if (kind === 'boolean') {
      if (equals !== -1) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    const value = equals !== -1 ? arg.slice(equals + 1) : args[++index];
    if (value === undefined || (equals === -1 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return { positionals, flags };
}

/** The value of a string flag, or undefined. */
export function stringFlag(parsed: ParsedArgv, name: string): string | undefined {
  const value = parsed.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}
