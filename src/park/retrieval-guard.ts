/**
 * Rate-limits failed retrieval attempts, so nobody can walk the orbit range to find parked calls.
 *
 * Failures (an unknown or empty orbit, an orbit of another park group, a caller without park rights)
 * are counted per source identity and, separately, per source IP address, in a sliding window.
 * Once a key has reached its limit inside the window, every retrieval from it is refused until
 * its oldest counted failure leaves the window. Successes reset nothing: a caller who can
 * retrieve one call must not be able to launder its probes of other orbits.
 *
 * Memory is bounded: each key keeps at most its limit's worth of timestamps, expired keys are
 * dropped when seen, and beyond `maxTrackedKeys` the least recently failed keys are evicted.
 */
import { SystemClock, type Clock } from './clock';
import { NotInParkGroupError, OrbitEmptyError, OrbitOutOfRangeError, ParkError, ParkNotAllowedError } from './errors';
import { normalizeIdentity } from './identity';

export interface RetrievalLimit {
  /** Failures per identity inside the window before that identity is refused. */
  readonly maxFailures: number;
  /**
   * Failures per source IP inside the window before that address is refused. Higher than
   * `maxFailures` because one PBX or SBC address carries many users.
   */
  readonly maxFailuresPerAddress: number;
  readonly windowSeconds: number;
}

export const DEFAULT_RETRIEVAL_LIMIT: RetrievalLimit = Object.freeze({ maxFailures: 5, maxFailuresPerAddress: 20, windowSeconds: 60 });

export interface RetrievalGuardOptions {
  limit?: Partial<RetrievalLimit>;
  clock?: Clock;
  /** Upper bound on identities plus addresses tracked at once (default 10 000). */
  maxTrackedKeys?: number;
}

/** Who is trying to retrieve: the caller's identity URI and the packet's source address. Either may be absent. */
export interface RetrievalSource {
  readonly identity?: string;
  /**
   * Leave out for trusted peers (a PBX speaking for many users) to count per identity only. When
   * present, the identity is unproven (a From header anyone can forge), so its failures are counted
   * per identity and address together: forged failures from one address cannot lock the real
   * user out elsewhere.
   */
  readonly address?: string;
}

/** Too many failed retrievals from this identity or address; try again after `retryAfterSeconds`. */
export class RetrievalBlockedError extends ParkError {
  override readonly name = 'RetrievalBlockedError';
  readonly reasonText = 'Too many failed retrievals';
  constructor(
    readonly blockedBy: 'identity' | 'address',
    readonly retryAfterSeconds: number,
  ) {
    super(`retrieval refused: too many failed attempts from this ${blockedBy}; retry in ${retryAfterSeconds} s`);
  }
}

/** The refusals that count as a failed retrieval (probing), as opposed to races such as AlreadyRetrievingError. */
export function isCountedRetrievalFailure(error: unknown): boolean {
  return (
    error instanceof OrbitEmptyError ||
    error instanceof OrbitOutOfRangeError ||
    error instanceof NotInParkGroupError ||
    error instanceof ParkNotAllowedError
  );
}

export interface RetrievalGuardStats {
  /** Failures recorded since start. */
  readonly failures: number;
  /** Retrievals refused by the guard since start. */
  readonly refusals: number;
  /** Identities plus addresses currently tracked. */
  readonly trackedKeys: number;
}

const DEFAULT_MAX_TRACKED_KEYS = 10_000;

export class RetrievalGuard {
  readonly limit: RetrievalLimit;
  private readonly clock: Clock;
  private readonly maxTrackedKeys: number;
  /** Key → failure times (ms), oldest first. Map order = least recently failed first. */
  private readonly failures = new Map<string, number[]>();
  private failuresTotal = 0;
  private refusalsTotal = 0;

  constructor(options: RetrievalGuardOptions = {}) {
    this.limit = { ...DEFAULT_RETRIEVAL_LIMIT, ...options.limit };
    for (const [key, value] of Object.entries(this.limit)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`retrieval limit ${key} must be a whole number >= 1, got ${value}`);
    }
    this.clock = options.clock ?? new SystemClock();
    this.maxTrackedKeys = options.maxTrackedKeys ?? DEFAULT_MAX_TRACKED_KEYS;
  }

  /** Throws RetrievalBlockedError when `source` has too many recent failures; call before looking up the orbit. */
  check(source: RetrievalSource): void {
    const now = this.clock.now();
    for (const { key, kind, max } of this.keysOf(source)) {
      const times = this.recent(key, now);
      if (times.length < max) continue;
      this.refusalsTotal++;
      const retryAfterMs = times[times.length - max]! + this.windowMs - now;
      throw new RetrievalBlockedError(kind, Math.max(1, Math.ceil(retryAfterMs / 1000)));
    }
  }

  /** Count one failed retrieval against the source's identity and address. */
  recordFailure(source: RetrievalSource): void {
    const now = this.clock.now();
    this.failuresTotal++;
    for (const { key, max } of this.keysOf(source)) {
      const times = this.recent(key, now);
      times.push(now);
      if (times.length > max) times.splice(0, times.length - max);
      // Re-insert so the map's order stays least-recently-failed first.
      this.failures.delete(key);
      this.failures.set(key, times);
    }
    this.evictIfFull(now);
  }

  stats(): RetrievalGuardStats {
    return { failures: this.failuresTotal, refusals: this.refusalsTotal, trackedKeys: this.failures.size };
  }

  private get windowMs(): number {
    return this.limit.windowSeconds * 1000;
  }

  private keysOf(source: RetrievalSource): Array<{ key: string; kind: 'identity' | 'address'; max: number }> {
    const keys: Array<{ key: string; kind: 'identity' | 'address'; max: number }> = [];
    if (source.identity !== undefined && source.identity !== '') {
      const identity = normalizeIdentity(source.identity) ?? source.identity;
      const from = source.address === undefined || source.address === '' ? '' : ` from ${source.address}`;
      keys.push({ key: `identity ${identity}${from}`, kind: 'identity', max: this.limit.maxFailures });
    }
    if (source.address !== undefined && source.address !== '') {
      keys.push({ key: `address ${source.address}`, kind: 'address', max: this.limit.maxFailuresPerAddress });
    }
    return keys;
  }

  /** The key's failure times still inside the window (dropping the rest, and the key when none is left). */
  private recent(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (times === undefined) return [];
    const firstLive = times.findIndex((at) => at > now - this.windowMs);
    if (firstLive === -1) {
      this.failures.delete(key);
      return [];
    }
    if (firstLive > 0) times.splice(0, firstLive);
    return times;
  }

  private evictIfFull(now: number): void {
    if (this.failures.size <= this.maxTrackedKeys) return;
    for (const key of [...this.failures.keys()]) this.recent(key, now);
    for (const key of this.failures.keys()) {
      if (this.failures.size <= this.maxTrackedKeys) break;
      this.failures.delete(key);
    }
  }
}
