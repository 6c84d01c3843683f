/**
 * The call-park SIP application (service mode, DESIGN §4): a drachtio-srf app that reaches SIP
 * only through `srf`, so it runs the same against the embedded engine or a real drachtio-server.
 */
import type pino from 'pino';
import type Srf from 'drachtio-srf';
import type { MediaBackend } from '../media/types';
import type { EndReason, ParkService, RetrievalGuard } from '../park';
import { AttendedParks, SelfParkedCallers } from './attended-registry';
import { CallCanceledError, type CallContext } from './call-context';
import { AppStoppingError, NotParkTargetError } from './errors';
import { completeAttendedPark, reserveForAttendedPark } from './handlers/attended-park';
import { parkTransferredCall } from './handlers/blind-park';
import { directedPark } from './handlers/directed-park';
import { runFallback } from './handlers/fallback';
import { retrieveParkedCall } from './handlers/retrieve';
import { ringBackParker } from './handlers/ringback';
import { TrustedPeers } from './identity';
import { prepareInvite, type InboundInvite } from './invite-middleware';
import { ParkedLegs, type ParkedLeg } from './parked-leg';
import { LiveContexts, type ParkAppConfig, type ParkRuntime } from './runtime';
import { retrieveToPhone } from './retrieve-to';
import { refuse } from './sip-errors';
import { ResourceTally, type ResourceCounts } from './teardown';

export interface ParkAppDeps {
  srf: Srf;
  config: ParkAppConfig;
  park: ParkService;
  media: MediaBackend;
  log: pino.Logger;
  /** Alert-Info on ring-back INVITEs (RFC 7462); default `<urn:alert:service:recall:hold>`. */
  ringbackAlertInfo?: string;
  /**
   * A caller of the park extension without Referred-By is an attended parker or a transferee whose
   * phone left Referred-By out. If it has not transferred this long after the announcement, it is
   * parked itself. Default 5000 ms.
   */
  unreferredParkDelayMs?: number;
  /** Rate limit on failed retrievals (security.retrievalLimit); without it, probing is not limited. */
  retrievalGuard?: RetrievalGuard;
}

export interface ParkAppCounts extends ResourceCounts {
  /** Calls with a live context (being set up, parked, reserved or bridged). */
  calls: number;
  parkedLegs: number;
  reservations: number;
  /** Media sessions the backend itself reports. */
  mediaSessions: number;
}

export interface ParkApp {
  /** Refuse new calls (503), hang up every call the app holds, stop listening to park events. */
  stop(): Promise<void>;
  /** Live resources, for leak checks: all zero when no call is up. */
  counts(): ParkAppCounts;
  /**
   * Take in a leg parked elsewhere (B2BUA park by REFER), so that retrieval, ring back and the
   * admin API find it. Its owner keeps watching its dialog; the entry goes with the leg's teardown.
   */
  adoptParkedLeg(leg: ParkedLeg): void;
  /**
   * Admin "retrieve to a phone" (admin's RetrieveTo): call `uri` (through sip.outboundProxy) and
   * bridge it with the parked call `callId` once answered. Rejects, leaving the call parked, with
   * ParkedCallNotFoundError, a ParkError (not parked now), PhoneNotAnsweredError or ParkedPartyRefusedError.
   */
  retrieveTo(callId: string, uri: string): Promise<void>;
}

const DEFAULT_UNREFERRED_PARK_DELAY_MS = 5000;

/** Ends that hand the parked party to someone (the bridge or forward now owns the leg). */
const HANDED_OVER: ReadonlySet<EndReason> = new Set<EndReason>(['retrieved', 'ringbackAnswered', 'forwarded']);

async function dispatch(rt: ParkRuntime, call: InboundInvite): Promise<void> {
  const route = call.route;
  switch (route.flow) {
    case 'blind-park':
      return parkTransferredCall(rt, call);
    case 'directed-park':
      return directedPark(rt, call, route.orbit);
    case 'attended-park':
      return reserveForAttendedPark(rt, call);
    case 'attended-complete':
      return completeAttendedPark(rt, call, route.replaces);
    case 'retrieve':
      await retrieveParkedCall(rt, call, route.orbit);
      // The retriever's dialog now lives on the parked call's context.
      await call.ctx.teardown.run();
      return;
    case 'not-ours':
      throw new NotParkTargetError(route.target);
  }
}

export function createParkApp(deps: ParkAppDeps): ParkApp {
  const log = deps.log.child({ part: 'sip' });
  const tally = new ResourceTally();
  const contexts = new LiveContexts();
  let stopping = false;

  const rt: ParkRuntime = {
    srf: deps.srf,
    park: deps.park,
    media: deps.media,
    log,
    config: deps.config,
    trusted: new TrustedPeers(deps.config.sip.trustedPeers),
    tally,
    legs: new ParkedLegs(),
    attended: new AttendedParks(),
    selfParked: new SelfParkedCallers(),
    ringbackAlertInfo: deps.ringbackAlertInfo ?? '<urn:alert:service:recall:hold>',
    unreferredParkDelayMs: deps.unreferredParkDelayMs ?? DEFAULT_UNREFERRED_PARK_DELAY_MS,
    retrievalGuard: deps.retrievalGuard,
    newContext: (callId: string, parent?: pino.Logger): CallContext => contexts.create(callId, parent ?? log, tally),
  };

  const onInvite = async (req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> => {
    const ctx = rt.newContext(req.get('Call-ID') ?? 'unknown');
    try {
      if (stopping) throw new AppStoppingError();
      await dispatch(rt, prepareInvite(rt, req, res, ctx));
    } catch (err) {
      refuse(res, ctx.canceled ? new CallCanceledError() : err, ctx.log);
      await ctx.teardown.run();
    }
  };
  deps.srf.invite((req, res) => {
    onInvite(req, res).catch((err: unknown) => log.error({ err }, 'INVITE handler failed'));
  });

  const unsubscribe = [
    deps.park.on('ringback', ({ call, target, attempt }) => {
      ringBackParker(rt, call, target, attempt).catch((err: unknown) => log.error({ err, parkId: call.id }, 'ring back failed'));
    }),
    deps.park.on('fallback', ({ call, action, cause }) => {
      runFallback(rt, call, action, cause).catch((err: unknown) => log.error({ err, parkId: call.id }, 'fallback failed'));
    }),
    deps.park.on('ended', ({ call, reason }) => {
      const reservation = rt.attended.forReservation(call.id);
      if (reservation) {
        reservation.ctx.log.info({ reason }, `reservation of orbit ${call.orbit} ended: ${reason}`);
        void reservation.ctx.teardown.run();
      }
      const leg = rt.legs.get(call.id);
      if (!leg) return;
      if (HANDED_OVER.has(reason)) {
        rt.legs.delete(call.id);
        return;
      }
      leg.ctx.log.info({ reason }, `parked call at ${call.orbit} ended: ${reason}`);
      void leg.ctx.teardown.run();
    }),
  ];

  return {
    async stop(): Promise<void> {
      stopping = true;
      for (const off of unsubscribe.splice(0)) off();
      await contexts.releaseAll();
    },
    adoptParkedLeg(leg: ParkedLeg): void {
      rt.legs.add(leg);
      leg.ctx.teardown.add('listener', 'park-app parked-leg entry', () => {
        if (rt.legs.get(leg.parkId) === leg) rt.legs.delete(leg.parkId);
      });
      leg.ctx.log.info(`parked leg at ${leg.orbit} adopted by the park app`);
    },
    retrieveTo(callId: string, uri: string): Promise<void> {
      if (stopping) return Promise.reject(new AppStoppingError());
      return retrieveToPhone(rt, callId, uri);
    },
    counts(): ParkAppCounts {
      return {
        ...tally.snapshot(),
        calls: contexts.size,
        parkedLegs: rt.legs.size,
        reservations: rt.attended.size,
        mediaSessions: deps.media.activeSessions(),
      };
    },
  };
}
