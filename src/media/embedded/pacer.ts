import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { FRAME_MS } from './codecs';

/** Something that sends one packet per tick. */
export interface PacedStream {
  /** `tick` counts intervals since the pacer was created; it grows by one per call unless ticks were skipped. */
  onTick(tick: number): void;
}

export interface PacerOptions {
  readonly log: Logger;
  readonly intervalMs?: number;
  /**
   * After a stall of up to this many ticks the missed packets go out in a burst (a jitter buffer
   * absorbs it); beyond that they are dropped and the RTP timestamps jump. Default 10 (200 ms).
   */
  readonly maxCatchUpTicks?: number;
  /**
   * Wake this many ms before a tick is due and yield to the event loop (setImmediate) until it
   * is: Node timers only have 1 ms resolution. Costs a little CPU per tick; 0 turns it off.
   */
  readonly spinMs?: number;
  /** Monotonic milliseconds; injectable for tests. */
  readonly now?: () => number;
}

/**
 * One clock for every session. Tick n is due at start + n·interval: each timer is set for the
 * next due time measured on a monotonic clock, so lateness never accumulates (no setInterval
 * drift), and all sessions send in a stable order, which keeps per-stream jitter low.
 */
export class Pacer {
  private readonly streams = new Set<PacedStream>();
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly maxCatchUpTicks: number;
  private readonly now: () => number;
  private readonly spinMs: number;
  private readonly epoch: number;
  private lastTick: number;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(options: PacerOptions) {
    this.log = options.log;
    this.intervalMs = options.intervalMs ?? FRAME_MS;
    this.maxCatchUpTicks = options.maxCatchUpTicks ?? 10;
    this.now = options.now ?? (() => performance.now());
    this.spinMs = options.spinMs ?? 1;
    this.epoch = this.now();
    this.lastTick = 0;
  }

  get size(): number {
    return this.streams.size;
  }

  /** The tick a stream added now will first be called with. */
  get nextTick(): number {
    return this.lastTick + 1;
  }

  add(stream: PacedStream): void {
    if (this.stopped) return;
    this.streams.add(stream);
    if (!this.timer && !this.immediate) {
      // Restart the schedule from the current time so an idle period is not "caught up".
      this.lastTick = this.tickAt(this.now());
      this.schedule();
    }
  }

  remove(stream: PacedStream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0) this.cancel();
  }

  stop(): void {
    this.stopped = true;
    this.streams.clear();
    this.cancel();
  }

  private tickAt(time: number): number {
    return Math.floor((time - this.epoch) / this.intervalMs);
  }

  private schedule(): void {
    const due = this.epoch + (this.lastTick + 1) * this.intervalMs;
    // Node timers have 1 ms resolution and may fire a little late, so the timer aims early and
    // the last stretch is covered by yielding to the event loop.
    const delay = Math.floor(due - this.now() - this.spinMs);
    if (delay >= 1) this.timer = setTimeout(this.fire, delay);
    else this.immediate = setImmediate(this.fire);
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    const current = this.tickAt(this.now());
    if (current > this.lastTick) {
      let first = this.lastTick + 1;
      if (current - first >= this.maxCatchUpTicks) {
        this.log.warn({ skippedTicks: current - first }, 'media pacer stalled; skipping late packets');
        first = current;
      }
      for (let tick = first; tick <= current; tick++) this.sendTick(tick);
      this.lastTick = current;
    }
    if (this.streams.size > 0 && !this.stopped) this.schedule();
  };

  private sendTick(tick: number): void {
    for (const stream of this.streams) {
      try {
        stream.onTick(tick);
      } catch (err) {
        this.log.error({ err }, 'media stream failed to send; removing it');
        this.streams.delete(stream);
      }
    }
  }
}
