/**
 * Busy lamps for park orbits (DESIGN §4.7). `installBlf` adds the SUBSCRIBE middleware to srf and
 * follows the park domain's `orbitChanged` and `partyReplaced` events; stop() ends every
 * subscription with a NOTIFY.
 */
import type pino from 'pino';
import type Srf from 'drachtio-srf';
import { SystemClock, type Clock, type ParkService } from '../../park';
import { TrustedPeers } from '../identity';
import { DEFAULT_EXPIRES_LIMITS, type ExpiresLimits } from './expires';
import { subscribeMiddleware } from './subscribe-handler';
import { SubscriptionManager, type SubscriptionCounts } from './subscription-manager';

export interface BlfConfig {
  readonly sip: { readonly trustedPeers: readonly string[] };
  readonly park: { readonly extension: string };
}

export interface BlfDeps {
  readonly srf: Srf;
  readonly park: ParkService;
  /** A ParkAppConfig or the full Config fits. */
  readonly config: BlfConfig;
  readonly log: pino.Logger;
  readonly clock?: Clock;
  readonly limits?: Partial<ExpiresLimits>;
}

export interface BlfService {
  /** Refuse new SUBSCRIBEs (503) and end every subscription with a final NOTIFY. */
  stop(): Promise<void>;
  counts(): SubscriptionCounts;
  /** Resolves once every NOTIFY sent so far has been answered (tests, drain). */
  idle(): Promise<void>;
}

export function installBlf(deps: BlfDeps): BlfService {
  const log = deps.log.child({ part: 'blf' });
  const manager = new SubscriptionManager({ park: deps.park, clock: deps.clock ?? new SystemClock(), log });
  let stopping = false;
  const middleware = subscribeMiddleware({
    srf: deps.srf,
    policies: deps.park.policies,
    lookup: { extension: deps.config.park.extension, isOrbitCode: (code) => deps.park.isOrbitCode(code) },
    trusted: new TrustedPeers(deps.config.sip.trustedPeers),
    manager,
    limits: { ...DEFAULT_EXPIRES_LIMITS, ...deps.limits },
    log,
    isStopping: () => stopping,
  });
  deps.srf.use('subscribe', (req, res, next) => middleware(req, res, () => next()));
  const offLamp = deps.park.on('orbitChanged', ({ lot, orbit, state }) => {
    log.debug({ lot, orbit, state }, 'orbit lamp changed');
    manager.orbitChanged(lot, orbit);
  });
  // Same lamp, another parked party: phones show its identity, so they need the new document.
  const offParty = deps.park.on('partyReplaced', ({ call }) => {
    log.debug({ lot: call.lot, orbit: call.orbit }, 'parked party replaced');
    manager.orbitChanged(call.lot, call.orbit);
  });
  return {
    async stop(): Promise<void> {
      stopping = true;
      offLamp();
      offParty();
      await manager.stop();
    },
    counts: () => manager.counts(),
    idle: () => manager.idle(),
  };
}

export { dialogInfoXml, dialogStateForLamp, escapeXml, type DialogEntry, type DialogInfoDocument } from './dialog-info';
export { SubscriptionManager, type NotifySink, type Notification, type SubscriptionCounts } from './subscription-manager';
export type { ExpiresLimits } from './expires';
