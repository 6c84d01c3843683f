import type pino from 'pino';
import { stopWithin } from './shutdown';

/** How long the emergency stop after an uncaught exception may take before the process exits anyway. */
export const CRASH_STOP_DEADLINE_MS = 3000;

/** The part of `process` the handlers use (tests pass an EventEmitter). */
export interface ProcessEvents {
  on(event: 'uncaughtException', listener: (err: Error) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  removeListener(event: 'uncaughtException', listener: (err: Error) => void): unknown;
  removeListener(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

export interface CrashHandlerOptions {
  log: pino.Logger;
  /** The normal stop path (everything started, in reverse). */
  stop(): Promise<unknown>;
  exit(code: number): void;
  deadlineMs?: number;
  proc?: ProcessEvents;
}

/**
 * Without these a stray throw in an srf or socket callback kills the process with no log line
 * and every parked call is dropped without a BYE. Returns a function that removes the handlers.
 *
 * - uncaughtException: the process state is unknown after it (Node's own advice is to exit), so
 *   log at fatal, hang up what can be hung up within a short deadline, and exit 1 so the
 *   supervisor restarts us.
 * - unhandledRejection: a rejected promise nobody awaited, typically one srf callback's request
 *   that failed; it has already unwound its own call and leaves no half-done synchronous state,
 *   so ending every other call for it would turn one failed call into an outage. Log at error
 *   and keep running.
 */
export function installCrashHandlers(options: CrashHandlerOptions): () => void {
  const proc = options.proc ?? process;
  const deadlineMs = options.deadlineMs ?? CRASH_STOP_DEADLINE_MS;
  let crashing = false;
  const onException = (err: Error): void => {
    if (crashing) {
      options.log.fatal({ err }, 'another uncaught exception while stopping');
      return;
    }
    crashing = true;
    options.log.fatal({ err }, 'uncaught exception: stopping (exit 1)');
    stopWithin(async () => void (await options.stop()), deadlineMs)
      .catch((stopErr: unknown) => options.log.error({ err: stopErr }, 'emergency stop did not finish'))
      .finally(() => options.exit(1));
  };
  const onRejection = (reason: unknown): void => {
    options.log.error({ err: reason }, 'unhandled promise rejection (still running)');
  };
  proc.on('uncaughtException', onException);
  proc.on('unhandledRejection', onRejection);
  return () => {
    proc.removeListener('uncaughtException', onException);
    proc.removeListener('unhandledRejection', onRejection);
  };
}
