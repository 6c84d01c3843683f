/**
 * Busy-lamp subscriptions (RFC 6665 notifier side) independent of SIP transport: each one has an
 * expiry timer on the injected clock, a per-subscription dialog-info version, and NOTIFYs sent one
 * at a time. A state change fans out to every subscription watching the orbit or its lot; one that
 * changes again while a NOTIFY is in flight is coalesced into the next (full-state) NOTIFY.
 */
import type pino from 'pino';
import type { Clock, TimerHandle } from '../../park';
import { dialogInfoXml } from './dialog-info';
import { resourceDialogs, type BlfResource, type ParkQueries } from './orbit-view';

/** RFC 6665 §4.1.3 termination reasons we use. */
export type TerminationReason = 'timeout' | 'deactivated' | 'noresource';

export interface Notification {
  /** The Subscription-State header value, e.g. `active;expires=3600` or `terminated;reason=timeout`. */
  readonly subscriptionState: string;
  readonly body: string;
}

/** `gone`: the subscriber answered 481 or nothing at all, so the subscription is dropped (RFC 6665 §4.2.2). */
export type DeliveryOutcome = 'delivered' | 'gone';

/** Where a subscription's NOTIFYs go: the SUBSCRIBE dialog, or a fake in tests. */
export interface NotifySink {
  send(notification: Notification): Promise<DeliveryOutcome>;
  /** The subscription is over (after its final NOTIFY, or its dialog is gone): release listeners. Idempotent. */
  close(): void;
}

export interface SubscriptionSpec {
  readonly resource: BlfResource;
  /** The subscribed URI, written as the document's entity. */
  readonly entity: string;
  /** Granted duration in seconds; 0 is a fetch (one terminated NOTIFY). */
  readonly expires: number;
  readonly sink: NotifySink;
  readonly log: pino.Logger;
}

export interface BlfSubscription {
  readonly id: number;
  readonly resource: BlfResource;
  readonly active: boolean;
  /** Seconds left, rounded up. */
  remainingSeconds(): number;
}

export interface SubscriptionCounts {
  subscriptions: number;
  timers: number;
}

class Subscription implements BlfSubscription {
  version = 0;
  expiresAt = 0;
  timer?: TimerHandle;
  active = true;
  sending = false;
  dirty = false;
  final?: TerminationReason;
  settled?: () => void;

  constructor(
    readonly id: number,
    readonly spec: SubscriptionSpec,
    private readonly clock: Clock,
  ) {}

  get resource(): BlfResource {
    return this.spec.resource;
  }

  remainingSeconds(): number {
    return Math.max(0, Math.ceil((this.expiresAt - this.clock.now()) / 1000));
  }
}

export interface SubscriptionManagerOptions {
  readonly park: ParkQueries;
  readonly clock: Clock;
  readonly log: pino.Logger;
}

export class SubscriptionManager {
  private readonly subs = new Set<Subscription>();
  private nextId = 1;
  private sending = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: SubscriptionManagerOptions) {}

  /** Start a subscription and send its first, full-state NOTIFY (RFC 6665 §4.2.1.2). */
  add(spec: SubscriptionSpec): BlfSubscription {
    const sub = new Subscription(this.nextId++, spec, this.options.clock);
    this.subs.add(sub);
    if (spec.expires === 0) {
      this.finish(sub, 'timeout');
    } else {
      this.arm(sub, spec.expires);
      this.schedule(sub);
    }
    return sub;
  }

  /** A refresh SUBSCRIBE: new duration, and a NOTIFY with the current state. */
  refresh(handle: BlfSubscription, expires: number): void {
    const sub = this.own(handle);
    if (!sub?.active) return;
    if (expires === 0) {
      this.finish(sub, 'timeout');
      return;
    }
    this.arm(sub, expires);
    this.schedule(sub);
  }

  /** Unsubscribe (Expires: 0 on a refresh): a final NOTIFY with the state, then gone. */
  unsubscribe(handle: BlfSubscription): void {
    const sub = this.own(handle);
    if (sub?.active) this.finish(sub, 'timeout');
  }

  /** The dialog ended under us: no more NOTIFYs. */
  drop(handle: BlfSubscription): void {
    const sub = this.own(handle);
    if (sub) this.remove(sub);
  }

  /** An orbit changed: every subscription to it or to its lot gets a NOTIFY. */
  orbitChanged(lot: string, orbit: number): void {
    for (const sub of this.subs) {
      const { resource } = sub.spec;
      if (resource.lot !== lot) continue;
      if (resource.orbit === undefined || resource.orbit === orbit) this.schedule(sub);
    }
  }

  /** End every subscription with a final NOTIFY (`deactivated`: subscribers may re-subscribe). */
  async stop(): Promise<void> {
    const pending = [...this.subs].map(
      (sub) =>
        new Promise<void>((resolve) => {
          sub.settled = resolve;
          this.finish(sub, 'deactivated');
        }),
    );
    await Promise.all(pending);
  }

  /** Resolves once no NOTIFY is in flight (each answered or failed). */
  idle(): Promise<void> {
    if (this.sending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  counts(): SubscriptionCounts {
    let timers = 0;
    for (const sub of this.subs) if (sub.timer) timers++;
    return { subscriptions: this.subs.size, timers };
  }

  private own(handle: BlfSubscription): Subscription | undefined {
    return handle instanceof Subscription && this.subs.has(handle) ? handle : undefined;
  }

  private arm(sub: Subscription, seconds: number): void {
    if (sub.timer) this.options.clock.clearTimeout(sub.timer);
    sub.expiresAt = this.options.clock.now() + seconds * 1000;
    sub.timer = this.options.clock.setTimeout(() => {
      sub.timer = undefined;
      sub.spec.log.info('subscription expired');
      this.finish(sub, 'timeout');
    }, seconds * 1000);
  }

  private finish(sub: Subscription, reason: TerminationReason): void {
    if (!sub.active) return;
    sub.active = false;
    sub.final = reason;
    if (sub.timer) this.options.clock.clearTimeout(sub.timer);
    sub.timer = undefined;
    this.schedule(sub);
  }

  private remove(sub: Subscription): void {
    if (sub.timer) this.options.clock.clearTimeout(sub.timer);
    sub.timer = undefined;
    sub.active = false;
    if (!this.subs.delete(sub)) return;
    sub.spec.sink.close();
    sub.settled?.();
  }

  /** Send a NOTIFY now, or after the one in flight (which then carries stale state). */
  private schedule(sub: Subscription): void {
    if (!this.subs.has(sub)) return;
    if (sub.sending) {
      sub.dirty = true;
      return;
    }
    void this.sendLoop(sub);
  }

  private async sendLoop(sub: Subscription): Promise<void> {
    sub.sending = true;
    this.sending++;
    try {
      do {
        sub.dirty = false;
        const terminal = sub.final !== undefined;
        const outcome = await this.deliver(sub);
        if (outcome === 'gone') {
          sub.spec.log.info('subscriber gone; subscription dropped');
          this.remove(sub);
          return;
        }
        if (terminal) {
          this.remove(sub);
          return;
        }
      } while (sub.dirty || sub.final !== undefined);
    } finally {
      sub.sending = false;
      this.sending--;
      if (this.sending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async deliver(sub: Subscription): Promise<DeliveryOutcome> {
    const { spec } = sub;
    const subscriptionState =
      sub.final !== undefined ? `terminated;reason=${sub.final}` : `active;expires=${Math.max(1, sub.remainingSeconds())}`;
    let body: string;
    try {
      body = dialogInfoXml({ entity: spec.entity, version: sub.version, dialogs: resourceDialogs(this.options.park, spec.resource, spec.entity) });
    } catch (err) {
      spec.log.error({ err }, 'could not build the dialog-info document');
      return 'gone';
    }
    sub.version += 1;
    try {
      return await spec.sink.send({ subscriptionState, body });
    } catch (err) {
      spec.log.warn({ err }, 'NOTIFY could not be sent');
      return 'gone';
    }
  }
}
