import type pino from 'pino';

const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Resolves with the first SIGTERM or SIGINT. A second signal while shutting down exits at once
 * (exit code 130), so an operator can always get out of a stuck drain.
 */
export function waitForShutdownSignal(log: pino.Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received === undefined) {
        received = signal;
        log.info({ signal }, 'shutting down');
        resolve(signal);
        return;
      }
      log.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(130);
    };
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  });
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
