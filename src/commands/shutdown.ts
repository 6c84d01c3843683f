import type pino from 'pino';

const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * One signal is often delivered twice: a terminal's Ctrl-C reaches the whole process group (npm
 * and node), and npm or coreutils `timeout` forward it again. Repeats this soon after the first
 * are ignored; a later one means the operator insists.
 */
const DUPLICATE_SIGNAL_WINDOW_MS = 2000;

/**
 * Resolves with the first SIGTERM or SIGINT. Another signal later than DUPLICATE_SIGNAL_WINDOW_MS
 * while shutting down exits at once (exit code 130), so an operator can always get out of a stuck drain.
 */
export function waitForShutdownSignal(log: pino.Logger, now: () => number = Date.now): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let receivedAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (receivedAt === undefined) {
        receivedAt = now();
        log.info({ signal }, 'shutting down');
        resolve(signal);
        return;
      }
      if (now() - receivedAt < DUPLICATE_SIGNAL_WINDOW_MS) {
        log.debug({ signal }, 'repeated signal ignored (same delivery via the process group)');
        return;
      }
      log.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(130);
    };
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  });
}

/**
 * How long the process stays up after the first signal, at least. coreutils `timeout` (and npm)
 * deliver one SIGTERM twice, to the child and to its process group; when the sender is descheduled
 * between the two, the copy can land after a quick shutdown, while Node is exiting with its signal
 * handlers gone, and the process dies of the signal instead of exiting 0.
 */
const LATE_DUPLICATE_SIGNAL_MS = 300;

/** Resolves once a late copy of the signal received at `receivedAt` would have arrived. */
export async function outlastDuplicateSignals(receivedAt: number, now: () => number = Date.now): Promise<void> {
  const left = receivedAt + LATE_DUPLICATE_SIGNAL_MS - now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
}

/** Thrown when stopping takes longer than allowed. */
export class ShutdownTimeoutError extends Error {
  override readonly name = 'ShutdownTimeoutError';
}

/** Runs `stop` but gives up after `timeoutMs`, so shutdown is always bounded. */
export async function stopWithin(stop: () => Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ShutdownTimeoutError(`shutdown took longer than ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([stop(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
