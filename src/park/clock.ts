/**
 * Time for the park domain: every timer the domain arms goes through a `Clock`, so tests drive
 * parkTimeout and ringbackTimeout with `FakeClock.advance()` instead of waiting.
 */

/** An opaque handle returned by `Clock.setTimeout`. */
export interface TimerHandle {
  readonly timerId: number;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Idempotent; unknown or already fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** Wall-clock time and Node timers. Timers are unref'd: a parked call alone never keeps the process up. */
export class SystemClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timerId = this.nextId++;
    const timer = setTimeout(() => {
      this.timers.delete(timerId);
      fn();
    }, Math.max(0, ms));
    timer.unref();
    this.timers.set(timerId, timer);
    return { timerId };
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = this.timers.get(handle.timerId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(handle.timerId);
  }
}

interface FakeTimer {
  readonly timerId: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` fires every timer due within the window in
 * due order (ties in creation order), including timers armed by callbacks during the advance.
 */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, FakeTimer>();

  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timerId = this.nextId++;
    this.timers.set(timerId, { timerId, due: this.current + Math.max(0, ms), fn });
    return { timerId };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle.timerId);
  }

  /** Move time forward by `ms`, firing due timers. A callback that throws propagates to the caller. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('FakeClock cannot go backwards');
    const target = this.current + ms;
    for (;;) {
      const next = this.earliestDue(target);
      if (next === undefined) break;
      this.timers.delete(next.timerId);
      this.current = next.due;
      next.fn();
    }
    this.current = target;
  }

  /** Fire everything that is due now (timers armed with 0 ms). */
  flush(): void {
    this.advance(0);
  }

  /** Number of armed timers. */
  pending(): number {
    return this.timers.size;
  }

  private earliestDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.due > limit) continue;
      if (best === undefined || timer.due < best.due || (timer.due === best.due && timer.timerId < best.timerId)) {
        best = timer;
      }
    }
    return best;
  }
}
