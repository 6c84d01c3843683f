import type pino from 'pino';
import type Srf from 'drachtio-srf';
import type { MediaBackend } from '../media/types';
import type { ParkService, RetrievalGuard } from '../park';
import { CallContext } from './call-context';
import type { TrustedPeers } from './identity';
import type { AttendedParks, SelfParkedCallers } from './attended-registry';
import type { ParkedLegs } from './parked-leg';
import type { ResourceTally } from './teardown';

/** The settings of the park app, a slice of the validated Config (a full Config fits). */
export interface ParkAppConfig {
  readonly sip: {
    readonly trustedPeers: readonly string[];
    /** Ring back, forwards and MESSAGEs go through this proxy (the PBX) when set. */
    readonly outboundProxy?: string;
    /** Update a retriever's (or answering parker's) display with the parked party; default true. */
    readonly connectedLine?: boolean;
  };
  /** `media.anchor`: `server` keeps a retrieved call's media on FreeSWITCH (default `direct`). */
  readonly media?: { readonly anchor?: 'direct' | 'server' };
  readonly park: {
    /** The park extension, `700` by default. */
    readonly extension: string;
    /** Tell a blind parker where its call went, by SIP MESSAGE. */
    readonly notifyByMessage: boolean;
    /** `park.courtesyTone`: beep to the parked party just before it is connected to its retriever (default false). */
    readonly courtesyTone?: boolean;
  };
}

/** What every handler of the app shares. */
export interface ParkRuntime {
  readonly srf: Srf;
  readonly park: ParkService;
  readonly media: MediaBackend;
  readonly log: pino.Logger;
  readonly config: ParkAppConfig;
  readonly trusted: TrustedPeers;
  readonly tally: ResourceTally;
  readonly legs: ParkedLegs;
  readonly attended: AttendedParks;
  /** Callers parked by the no-Referred-By workaround, still swappable by a late Replaces. */
  readonly selfParked: SelfParkedCallers;
  /** Alert-Info sent with ring-back INVITEs. */
  readonly ringbackAlertInfo: string;
  /** After the orbit announcement, how long a caller of the park extension without Referred-By may transfer before it is parked itself. */
  readonly unreferredParkDelayMs: number;
  /** Rate limit on failed retrievals (security.retrievalLimit); absent: no limit. */
  readonly retrievalGuard?: RetrievalGuard;
  /** A new call context, tracked until its teardown ran (for stop() and leak counts). */
  newContext(callId: string, log?: pino.Logger): CallContext;
}

export class LiveContexts {
  private readonly live = new Set<CallContext>();
  private emptyWaiters: (() => void)[] = [];

  create(callId: string, log: pino.Logger, tally: ResourceTally): CallContext {
    const ctx = new CallContext(callId, log, tally);
    this.live.add(ctx);
    // Added first, so released last: the context stays listed until all else is gone.
    ctx.teardown.add('listener', 'live-context entry', () => {
      this.live.delete(ctx);
      if (this.live.size === 0) this.notifyEmpty();
    });
    return ctx;
  }

  /** Resolves once no context is live (at once if none is). */
  whenEmpty(): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptyWaiters.push(resolve));
  }

  private notifyEmpty(): void {
    const waiters = this.emptyWaiters;
    this.emptyWaiters = [];
    for (const resolve of waiters) resolve();
  }

  get size(): number {
    return this.live.size;
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.live].map((ctx) => ctx.teardown.run()));
  }
}
