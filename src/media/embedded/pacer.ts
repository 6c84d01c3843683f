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
   * The interval is cut into this many slots; each stream is given the least used slot when it
   * is added and keeps it, so one wake-up sends only the streams of one slot. Default 20 (1 ms
   * slots at 20 ms); 1 sends every stream in one burst.
   */
  readonly slots?: number;
  /**
   * After a stall of up to this many ticks the missed packets go out in a burst (a jitter buffer
   * absorbs it); beyond that they are dropped and the RTP timestamps jump. Default 10 (200 ms).
   */
  readonly maxCatchUpTicks?: number;
  /**
   * Wake this many ms before a slot is due and yield to the event loop (setImmediate) until it
   * is: Node timers only have 1 ms resolution. Costs CPU on every wake-up; default 0 (off).
   */
  readonly spinMs?: number;
  /** Monotonic milliseconds; injectable for tests. */
  readonly now?: () => number;
}

/**
 * One clock for every session. Slot s of tick n is due at start + n·interval + s·interval/slots:
 * each timer is set for the next due time measured on a monotonic clock, so lateness never
 * accumulates (no setInterval drift). Spreading the streams over the slots keeps every burst short,
 * so a stream's packets leave at a steady offset within the interval (low jitter) even with
 * thousands of streams, whose single burst would take several milliseconds of varying length.
 */
export class Pacer {
  private readonly slotStreams: Set<PacedStream>[];
  private readonly slotOf = new Map<PacedStream, number>();
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly slotCount: number;
  private readonly slotMs: number;
  private readonly maxCatchUpSlots: number;
  private readonly now: () => number;
  private readonly spinMs: number;
  private readonly epoch: number;
  /** The last slot-tick (tick·slots + slot) sent. */
  private lastSlotTick: number;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(options: PacerOptions) {
    this.log = options.log;
    this.intervalMs = options.intervalMs ?? FRAME_MS;
    this.slotCount = options.slots ?? 20;
    if (!Number.isInteger(this.slotCount) || this.slotCount < 1) throw new RangeError(`pacer slots must be a positive integer, got ${this.slotCount}`);
    this.slotMs = this.intervalMs / this.slotCount;
    this.maxCatchUpSlots = (options.maxCatchUpTicks ?? 10) * this.slotCount;
    this.now = options.now ?? (() => performance.now());
    this.spinMs = options.spinMs ?? 0;
    this.slotStreams = Array.from({ length: this.slotCount }, () => new Set<PacedStream>());
    this.epoch = this.now();
    this.lastSlotTick = 0;
  }

  get size(): number {
    return this.slotOf.size;
  }

  /**
   * Adds a stream to the least used slot; returns the tick it will first be called with.
   * Adding a stream that is already paced changes nothing.
   */
  add(stream: PacedStream): number {
    const known = this.slotOf.get(stream);
    if (known !== undefined) return this.firstTickOf(known);
    if (this.stopped) return this.firstTickOf(0);
    if (!this.timer && !this.immediate) {
      // Restart the schedule from the current time so an idle period is not "caught up".
      this.lastSlotTick = this.slotTickAt(this.now());
    }
    let slot = 0;
    for (let candidate = 1; candidate < this.slotCount; candidate++) {
      if (this.slotStreams[candidate]!.size < this.slotStreams[slot]!.size) slot = candidate;
    }
    this.slotStreams[slot]!.add(stream);
    this.slotOf.set(stream, slot);
    // A new stream may need an earlier wake-up than the one set (its slot may come first).
    this.cancel();
    this.schedule();
    return this.firstTickOf(slot);
  }

  remove(stream: PacedStream): void {
    const slot = this.slotOf.get(stream);
    if (slot === undefined) return;
    this.slotOf.delete(stream);
    this.slotStreams[slot]!.delete(stream);
    if (this.slotOf.size === 0) this.cancel();
  }

  stop(): void {
    this.stopped = true;
    for (const streams of this.slotStreams) streams.clear();
    this.slotOf.clear();
    this.cancel();
  }

  private firstTickOf(slot: number): number {
    const next = this.lastSlotTick + 1;
    const tick = Math.floor(next / this.slotCount);
    return next % this.slotCount <= slot ? tick : tick + 1;
  }

  private slotTickAt(time: number): number {
    return Math.floor((time - this.epoch) / this.slotMs);
  }

  /** The next slot-tick after the last one sent whose slot has streams. */
  private nextBusySlotTick(): number {
    for (let slotTick = this.lastSlotTick + 1; ; slotTick++) {
      if (this.slotStreams[slotTick % this.slotCount]!.size > 0) return slotTick;
    }
  }

  private schedule(): void {
    if (this.slotOf.size === 0 || this.stopped) return;
    const due = this.epoch + this.nextBusySlotTick() * this.slotMs;
    // Node timers have 1 ms resolution; with spinMs the timer aims early and the last stretch is
    // covered by yielding to the event loop.
    const delay = Math.ceil(due - this.now() - this.spinMs);
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
    const current = this.slotTickAt(this.now());
    if (current > this.lastSlotTick) {
      let first = this.lastSlotTick + 1;
      if (current - first >= this.maxCatchUpSlots) {
        // Skip whole ticks only, so every slot still gets each tick it is given at most once.
        const skipped = Math.floor((current - first) / this.slotCount) * this.slotCount;
        this.log.warn({ skippedTicks: skipped / this.slotCount }, 'media pacer stalled; skipping late packets');
        first += skipped;
      }
      for (let slotTick = first; slotTick <= current; slotTick++) this.sendSlot(slotTick);
      this.lastSlotTick = current;
    }
    this.schedule();
  };

  private sendSlot(slotTick: number): void {
    const streams = this.slotStreams[slotTick % this.slotCount]!;
    if (streams.size === 0) return;
    const tick = Math.floor(slotTick / this.slotCount);
    for (const stream of streams) {
      try {
        stream.onTick(tick);
      } catch (err) {
        this.log.error({ err }, 'media stream failed to send; removing it');
        this.remove(stream);
      }
    }
  }
}
