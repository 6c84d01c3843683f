import type Srf from 'drachtio-srf';
import type pino from 'pino';
import type { Config } from '../config';
import type { MediaBackend } from '../media/types';
import type { ParkService, RetrievalGuard } from '../park';
import type { ParkApp, ParkAppCounts, ParkedLeg } from '../sip';
import { installB2bua, type B2buaCounts, type B2buaService } from '../sip/b2bua';
import type { BlfService, SubscriptionCounts } from '../sip/blf';

/** In mode b2bua, the bridging middleware (install after the lamps, before the park app); else nothing. */
export function installB2buaFor(
  config: Config,
  deps: { srf: Srf; park: ParkService; media: MediaBackend; log: pino.Logger;
    adoptParkedLeg: (leg: ParkedLeg) => void;
    retrievalGuard?: RetrievalGuard;
  },
): B2buaService | undefined {
  if (config.mode !== 'b2bua') return undefined;
  const upstream = config.upstream;
  // The schema requires upstream in mode b2bua; this guards a hand-made Config.
  if (upstream === undefined) throw new TypeError('upstream is required when mode is b2bua');
  return installB2bua({
    ...deps,
    config: { upstream, sip: config.sip, park: config.park },
    announceToParker: config.b2bua.announceToParker,
  });
}

export interface SipCounts {
  /** Calls held by the park app and the B2BUA together (the callpark_sip_calls gauge). */
  calls: number;
  park: ParkAppCounts;
  blf: SubscriptionCounts;
  b2bua?: B2buaCounts;
}

/** What the SIP side holds right now, for the admin API's metrics. */
export function sipCounts(app: ParkApp, blf: BlfService, b2bua: B2buaService | undefined): SipCounts {
  const park = app.counts();
  const bridged = b2bua?.counts();
  return {
    calls: park.calls + (bridged?.calls ?? 0),
    park,
    blf: blf.counts(),
    ...(bridged === undefined ? {} : { b2bua: bridged }),
  };
}
