import type { Environment } from '../config';

/** What a command may touch of the outside world; tests pass their own. */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
  readonly env: Environment;
}

export interface Command {
  readonly name: string;
  /** One line for `callpark --help`. */
  readonly summary: string;
  /** Full usage text for `callpark COMMAND --help` and usage errors. */
  readonly usage: string;
  /** Resolves with the process exit code (long-running commands resolve once shut down). */
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
