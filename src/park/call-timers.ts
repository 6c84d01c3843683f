/**
 * At most one armed timer per parked call (reservation, park or ring-back timeout), keyed by call
 * id, so that ending a call clears its timer in one place and `size` exposes leaks.
 */
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from './clock';

export class CallTimers {
  private readonly handles = new Map<string, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Arm `fn` for `callId` in `ms`, replacing any timer the call had. `fn` errors are logged, never thrown. */
  arm(callId: string, ms: number, what: string, fn: () => void): void {
    this.clear(callId);
    const handle = this.clock.setTimeout(() => {
      if (this.handles.get(callId) !== handle) return;
      this.handles.delete(callId);
      try {
        fn();
      } catch (err) {
        this.log.error({ err, callId, timer: what }, 'park timer callback failed');
      }
    }, ms);
    this.handles.set(callId, handle);
  }

  clear(callId: string): void {
    const handle = this.handles.get(callId);
    if (handle === undefined) return;
    this.clock.clearTimeout(handle);
    this.handles.delete(callId);
  }

  clearAll(): void {
    for (const callId of [...this.handles.keys()]) this.clear(callId);
  }

  get size(): number {
    return this.handles.size;
  }
}
