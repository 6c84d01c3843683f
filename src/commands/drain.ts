import type pino from 'pino';
import type { ParkService } from '../park';

export type DrainOutcome = 'idle' | 'deadline';

/**
 * The graceful part of shutdown (DESIGN §7): /healthz turns 503, the park service refuses new
 * parks and rings every parked call back at once (ring back, then the policy's fallback), and we
 * wait until no call is left or `deadlineMs` passes. Whatever is left is ended by park.stop().
 *
 * The park service is idle as soon as a ring back is answered or a forward starts, while the
 * SIP app is still bridging those calls; `app.whenIdle()` covers them (and retrievals and
 * bridged calls), under the same deadline, so stopping does not hang up what was just handed over.
 */
export async function drainParkedCalls(options: {
  park: ParkService;
  /** The SIP app holding the calls' dialogs; without it only the park service is waited for. */
  app?: { whenIdle(): Promise<void> };
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
    const idle = park.drain().then(async (): Promise<DrainOutcome> => {
      await options.app?.whenIdle();
      return 'idle';
    });
    const outcome = await Promise.race([idle, deadline]);
    if (outcome === 'idle') log.info('drained: no calls left');
    else log.warn({ parked: park.list().length }, 'drain deadline passed; ending the calls still parked or being set up');
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}
