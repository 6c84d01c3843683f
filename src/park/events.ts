/**
 * What the park domain publishes. Only src/park emits; BLF, metrics, the admin API and logs
 * subscribe and translate (Asterisk: publish_parked_call, consumed by the manager and devicestate).
 */
import type { Logger } from 'pino';
import type { EndReason } from './parked-call-state';
import type { ParkedCallSnapshot, ParkedPartyInfo } from './parked-call';
import type { FallbackAction } from './policy';

/** The lamp state of an orbit: BLF maps free→terminated, parked→confirmed, ringingBack→early. */
export type OrbitLampState = 'free' | 'parked' | 'ringingBack';

export type FallbackCause = 'ringbackTimeout' | 'ringbackFailed' | 'drain';

export interface ParkEvents {
  /** An orbit was reserved for an attended park. */
  reserved: { call: ParkedCallSnapshot };
  /** A call entered a lot (blind/directed park, or a completed reservation). */
  parked: { call: ParkedCallSnapshot };
  /** A retrieval began; the app is connecting the retriever. */
  retrieving: { call: ParkedCallSnapshot; retriever: string };
  retrieved: { call: ParkedCallSnapshot; retriever: string };
  /** The retrieval failed; the call is parked again. */
  retrieveFailed: { call: ParkedCallSnapshot; retriever: string; cause?: string };
  /** parkTimeout expired: the app should ring `target` (the parker). */
  timeout: { call: ParkedCallSnapshot };
  ringback: { call: ParkedCallSnapshot; target: string; attempt: number };
  /**
   * Ring back ended without an answer. The app cancels its ring-back INVITE, then acts:
   * `hangup` (the call has ended), `forward` to `action.uri` (the call has ended here), or
   * `repark` (the call is parked again on the same orbit).
   */
  fallback: { call: ParkedCallSnapshot; action: FallbackAction; cause: FallbackCause };
  /** The call left park for good; `reason` says why. The app releases whatever it still holds. */
  ended: { call: ParkedCallSnapshot; reason: EndReason };
  orbitChanged: { lot: string; orbit: number; state: OrbitLampState };
  /**
   * Another party took the parked one's place in the same orbit (a late attended transfer):
   * `call.parked` names the new party, `previous` the one it replaced. Orbit, parker, ring-back
   * target, timers and lamp state are unchanged, so no `orbitChanged` follows.
   */
  partyReplaced: { call: ParkedCallSnapshot; previous: ParkedPartyInfo };
}

export type ParkEventName = keyof ParkEvents;
export type Listener<T> = (payload: T) => void;

/**
 * A small typed emitter. A listener that throws is logged and skipped: a subscriber's bug must
 * not undo a state change that has already happened.
 */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  constructor(private readonly log?: Logger) {}

  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(name, listener);
  }

  once<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(name, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    const set = this.listeners.get(name);
    if (set === undefined) return;
    set.delete(listener as Listener<never>);
    if (set.size === 0) this.listeners.delete(name);
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const set = this.listeners.get(name);
    if (set === undefined) return;
    for (const listener of [...set] as Listener<Events[K]>[]) {
      try {
        listener(payload);
      } catch (err) {
        this.log?.error({ err, event: String(name) }, 'park event listener threw');
      }
    }
  }

  listenerCount(name?: keyof Events): number {
    if (name !== undefined) return this.listeners.get(name)?.size ?? 0;
    let total = 0;
    for (const set of this.listeners.values()) total += set.size;
    return total;
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }
}

/**
 * An emitter that delivers in publication order and never in the middle of a state change.
 * `batch(fn)` queues what `fn` publishes and delivers it when the outermost batch returns, so
 * listeners only ever see a finished operation. A listener that calls back into the service
 * (reporting a ring back failed as soon as it hears `ringback`) has its events queued behind the
 * ones being delivered.
 */
export class OrderedEmitter<Events extends object> extends TypedEmitter<Events> {
  private readonly queue: Array<() => void> = [];
  private depth = 0;
  private delivering = false;

  batch<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.deliver();
    }
  }

  override emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    this.queue.push(() => super.emit(name, payload));
    if (this.depth === 0) this.deliver();
  }

  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) next();
    } finally {
      this.delivering = false;
    }
  }
}
