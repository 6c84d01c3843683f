import type pino from 'pino';
import type { TimerSettings } from './types';

/**
 * The §17 timer values (RFC 3261 Table 4, RFC 6026 Table 1) for one transaction, chosen by the
 * reliability of its transport. This is the only place that knows the reliable-transport rules.
 */
export interface TransactionTimerValues {
  /** Initial retransmission interval for A, E, G; undefined on reliable transports (no retransmission). */
  retransmit: number | undefined;
  /** Cap of the E and G back-off (T2). Timer A is not capped (§17.1.1.2). */
  retransmitCap: number;
  B: number;
  D: number;
  F: number;
  H: number;
  I: number;
  J: number;
  K: number;
  L: number;
  M: number;
}

export function transactionTimerValues(settings: TimerSettings, reliable: boolean): TransactionTimerValues {
  const sixtyFourT1 = 64 * settings.T1;
  return {
    // RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1: A, E and G are only started for unreliable transports.
    retransmit: reliable ? undefined : settings.T1,
    retransmitCap: settings.T2,
    B: sixtyFourT1,
    // RFC 3261 Table 4: D is "> 32 s for UDP, 0 s for TCP/SCTP". 64*T1 is exactly 32 s with the
    // default T1 and scales down with the shortened T1 that tests use.
    D: reliable ? 0 : sixtyFourT1,
    F: sixtyFourT1,
    H: sixtyFourT1,
    I: reliable ? 0 : settings.T4,
    J: reliable ? 0 : sixtyFourT1,
    K: reliable ? 0 : settings.T4,
    // RFC 6026 Table 1: L and M are 64*T1 on every transport.
    L: sixtyFourT1,
    M: sixtyFourT1,
  };
}

/**
 * Named one-shot timers owned by one transaction. Every callback is guarded so that nothing
 * thrown reaches the event loop, and every handle is unref'd so that a pending retransmission
 * never keeps the process alive.
 */
export class TransactionTimers<Name extends string> {
  private readonly handles = new Map<Name, NodeJS.Timeout>();

  /** `owner.log` is read only when a callback fails (a transaction's logger is created lazily). */
  constructor(private readonly owner: { readonly log: pino.Logger }) {}

  start(name: Name, ms: number, fire: () => void): void {
    this.clear(name);
    const handle = setTimeout(() => {
      this.handles.delete(name);
      try {
        fire();
      } catch (error) {
        this.owner.log.error({ err: error, timer: name }, 'transaction timer callback failed');
      }
    }, ms);
    handle.unref();
    this.handles.set(name, handle);
  }

  clear(name: Name): void {
    const handle = this.handles.get(name);
    if (handle === undefined) return;
    clearTimeout(handle);
    this.handles.delete(name);
  }

  isRunning(name: Name): boolean {
    return this.handles.has(name);
  }

  clearAll(): void {
    for (const handle of this.handles.values()) clearTimeout(handle);
    this.handles.clear();
  }
}
