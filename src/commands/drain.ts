import type pino from 'pino';
import type { ParkService } from '../park';

export type DrainOutcome = 'idle' | 'deadline';

/**
 * The graceful part of shutdown (DESIGN §7): /healthz turns 503, the park service refuses new
 * parks and rings every parked call back at once (ring back, then the policy's fallback), and we
 * wait until no call is left or `deadlineMs` passes. Whatever is left is ended by park.stop().
 */
export async function drainParkedCalls(options: {
  park: ParkService;
  admin?: { markDraining(): void };
  deadlineMs: number;
  log: pino.Logger;
}): Promise<DrainOutcome> {
  const { park, log } = options;
  options.admin?.markDraining();
  const before = park.counts();
  log.info({ parked: before.parked, ringingBack: before.ringingBack, reserved: before.reserved, deadlineMs: options.deadlineMs }, 'draining: no new parks, ringing back every parked call');
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DrainOutcome>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), options.deadlineMs);
  });
  try {
    const outcome = await Promise.race([park.drain().then((): DrainOutcome => 'idle'), deadline]);
    if (outcome === 'idle') log.info('drained: no parked calls left');
    else log.warn({ left: park.list().length }, 'drain deadline passed; ending the calls still parked');
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}
