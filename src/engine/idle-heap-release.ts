import type pino from 'pino';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * After a burst of traffic, gives the memory back once the burst's transactions are gone.
 *
 * V8 grows its heap during a burst and returns the pages only after a full GC; an idle process
 * does no GC, so RSS stays at the burst's peak until V8's watchdog (about 100 s without a GC, and
 * not always then). When the number of live transactions has risen to `burstSize` and then fallen
 * below `quietFraction` of that high-water mark (checked every `checkIntervalMs`), one full GC is
 * run, with node's `gc()`: the one `--expose-gc` gives, else one obtained at run time (see exposedGc).
 */
export interface IdleHeapReleaseOptions {
  /** Live transactions (server + client) right now. */
  liveTransactions(): number;
  /** The full GC; by default `globalThis.gc` when node exposes it. */
  collect?: () => void;
  checkIntervalMs?: number;
  burstSize?: number;
  quietFraction?: number;
  log: pino.Logger;
}

const DEFAULTS = { checkIntervalMs: 5000, burstSize: 2000, quietFraction: 0.05 };

/**
 * node's full GC: `globalThis.gc` under `--expose-gc`; otherwise the flag is set at run time and a fresh
 * context hands out its `gc` (so `callpark` needs no node flag). Undefined if neither works.
 */
export function exposedGc(): (() => void) | undefined {
  const asFunction = (candidate: unknown): (() => void) | undefined =>
    typeof candidate === 'function' ? () => (candidate as () => void)() : undefined;
  const global = asFunction((globalThis as { gc?: unknown }).gc);
  if (global !== undefined) return global;
  try {
    setFlagsFromString('--expose-gc');
    return asFunction(runInNewContext('gc'));
  } catch {
    return undefined;
  }
}

export class IdleHeapRelease {
  private highWater = 0;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly collect: (() => void) | undefined;
  private readonly burstSize: number;
  private readonly quietFraction: number;

  constructor(private readonly options: IdleHeapReleaseOptions) {
    this.collect = options.collect ?? exposedGc();
    this.burstSize = options.burstSize ?? DEFAULTS.burstSize;
    this.quietFraction = options.quietFraction ?? DEFAULTS.quietFraction;
    if (this.collect === undefined) return;
    this.timer = setInterval(() => this.check(), options.checkIntervalMs ?? DEFAULTS.checkIntervalMs);
    this.timer.unref();
  }

  get active(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  private check(): void {
    try {
      const live = this.options.liveTransactions();
      this.highWater = Math.max(this.highWater, live);
      if (this.highWater < this.burstSize || live > this.highWater * this.quietFraction) return;
      const started = performance.now();
      this.collect?.();
      this.options.log.info(
        { burstTransactions: this.highWater, liveTransactions: live, gcMs: Math.round(performance.now() - started) },
        'burst over: full GC to give its memory back',
      );
      this.highWater = live;
    } catch (error) {
      this.options.log.error({ err: error }, 'idle heap release failed');
    }
  }
}
