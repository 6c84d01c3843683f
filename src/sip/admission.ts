/**
 * Load shedding for new INVITEs. Beyond what the process can set up in time, a caller is better
 * served by an immediate 503 with Retry-After (it or its PBX tries again or elsewhere) than by
 * retransmissions that time out while calls already parked lose their music's pacing. Two
 * signals: calls being set up at once (each holds media, a re-INVITE or an answer in flight),
 * and the event loop's delay (the process, or the machine, is out of CPU). Calls already set up,
 * and every in-dialog request, are never refused here.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type pino from 'pino';

export interface AdmissionLimits {
  /** INVITEs being set up at once (until their final response or failure); beyond: 503. */
  readonly maxCallsInSetup: number;
  /** The event loop's p99 delay over the last sample window above which new calls get 503. */
  readonly maxEventLoopDelayMs: number;
  /** Retry-After of the 503, in seconds. */
  readonly retryAfterSeconds: number;
}

export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = { maxCallsInSetup: 100, maxEventLoopDelayMs: 250, retryAfterSeconds: 2 };

export type OverloadCause = 'calls-in-setup' | 'event-loop-delay';

/** A new call refused because the app is overloaded (503 with Retry-After). */
export class OverloadedError extends Error {
  override readonly name = 'OverloadedError';
  constructor(
    readonly overload: OverloadCause,
    readonly retryAfterSeconds: number,
  ) {
    super(`call park is overloaded (${overload})`);
  }

  get reasonText(): string {
    return 'Call park overloaded';
  }
}

/** How late the event loop runs now, in ms. */
export interface EventLoopDelayProbe {
  delayMs(): number;
  stop(): void;
}

const DELAY_WINDOW_MS = 1000;
const DELAY_RESOLUTION_MS = 10;

/**
 * perf_hooks' event-loop delay histogram, read and reset once per window: `delayMs()` is the p99
 * of the last full window, so one reading costs nothing per INVITE.
 */
export function eventLoopDelayProbe(windowMs = DELAY_WINDOW_MS): EventLoopDelayProbe {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  histogram.enable();
  let lastDelayMs = 0;
  const timer = setInterval(() => {
    // The histogram counts the resolution itself as delay; what is late is beyond it.
    lastDelayMs = histogram.count > 0 ? Math.max(0, histogram.percentile(99) / 1e6 - DELAY_RESOLUTION_MS) : 0;
    histogram.reset();
  }, windowMs);
  timer.unref();
  return {
    delayMs: () => lastDelayMs,
    stop() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}

/** A call's place among the calls being set up; `release()` is idempotent. */
export interface AdmissionSlot {
  release(): void;
}

const SHED_LOG_INTERVAL_MS = 1000;

export class AdmissionControl {
  private inSetup = 0;
  private shedSinceLog = 0;
  private lastShedLog = 0;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly delay: EventLoopDelayProbe,
    private readonly log: pino.Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get callsInSetup(): number {
    return this.inSetup;
  }

  /** Take a slot for a new call, or throw OverloadedError. */
  admit(): AdmissionSlot {
    const cause = this.overload();
    if (cause) {
      this.noteShed(cause);
      throw new OverloadedError(cause, this.limits.retryAfterSeconds);
    }
    this.inSetup += 1;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.inSetup -= 1;
      },
    };
  }

  stop(): void {
    this.delay.stop();
  }

  private overload(): OverloadCause | undefined {
    if (this.inSetup >= this.limits.maxCallsInSetup) return 'calls-in-setup';
    if (this.delay.delayMs() > this.limits.maxEventLoopDelayMs) return 'event-loop-delay';
    return undefined;
  }

  /** One warning per second at most: under overload, a log line per refused call would add to it. */
  private noteShed(cause: OverloadCause): void {
    this.shedSinceLog += 1;
    const now = this.now();
    if (now - this.lastShedLog < SHED_LOG_INTERVAL_MS) return;
    this.log.warn(
      { cause, refused: this.shedSinceLog, callsInSetup: this.inSetup, eventLoopDelayMs: Math.round(this.delay.delayMs()) },
      `overloaded (${cause}): refusing new calls with 503`,
    );
    this.shedSinceLog = 0;
    this.lastShedLog = now;
  }
}
