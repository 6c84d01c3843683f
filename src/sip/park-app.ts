/**
 * The call-park SIP application (service mode, DESIGN §4): a drachtio-srf app that reaches SIP
 * only through `srf`, so it runs the same against the embedded engine or a real drachtio-server.
 */
import { EventEmitter } from 'node:events';
import type pino from 'pino';
import type Srf from 'drachtio-srf';
import type { MediaBackend } from '../media/types';
import type { EndReason, ParkService, RetrievalGuard } from '../park';
import { AdmissionControl, DEFAULT_ADMISSION_LIMITS, eventLoopDelayProbe, OverloadedError, type AdmissionLimits, type EventLoopDelayProbe } from './admission';
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
import { refuse, refusalFor } from './sip-errors';
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
  /**
   * Load shedding: beyond these a new INVITE gets 503 with Retry-After. Defaults
   * DEFAULT_ADMISSION_LIMITS (100 calls in setup, 250 ms event-loop delay p99, Retry-After 2 s);
   * Infinity turns a limit off.
   */
  admissionLimits?: Partial<AdmissionLimits>;
  /** What measures the event loop's delay; default perf_hooks' monitorEventLoopDelay (tests inject one). */
  eventLoopDelay?: EventLoopDelayProbe;
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
   * Resolves once the app holds no call at all: none parked, none being set up (a ring back being
   * answered, a forward being placed, a retrieval in progress) and none bridged. A graceful drain
   * waits for this (bounded by its own deadline), so that stop() does not hang up calls that were
   * just handed to their parker or retriever; bridged calls are let finish because that is what an
   * operator expects of a graceful drain.
   */
  whenIdle(): Promise<void>;
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

/** drachtio-srf's response emits 'end' once a final response went out (not in its typings). */
function onFinalResponse(res: Srf.SrfResponse, listener: () => void): void {
  const emitter: unknown = res;
  if (emitter instanceof EventEmitter) emitter.once('end', listener);
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

  const admission = new AdmissionControl(
    { ...DEFAULT_ADMISSION_LIMITS, ...deps.admissionLimits },
    deps.eventLoopDelay ?? eventLoopDelayProbe(),
    log,
  );

  /** 503 before any per-call work (no context, no log line): shedding must stay cheap. */
  const shed = (res: Srf.SrfResponse, err: OverloadedError): void => {
    const answer = refusalFor(err);
    if (answer) res.send(answer.status, answer.reason, { headers: answer.headers });
  };

  const onInvite = async (req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> => {
    let slot;
    try {
      slot = stopping ? undefined : admission.admit();
    } catch (err) {
      if (!(err instanceof OverloadedError)) throw err;
      shed(res, err);
      return;
    }
    // The call is set up once its INVITE got a final response (or its flow gave up).
    if (slot) onFinalResponse(res, slot.release);
    const ctx = rt.newContext(req.get('Call-ID') ?? 'unknown');
    try {
      if (stopping) throw new AppStoppingError();
      await dispatch(rt, prepareInvite(rt, req, res, ctx));
    } catch (err) {
      refuse(res, ctx.canceled ? new CallCanceledError() : err, ctx.log);
      await ctx.teardown.run();
    } finally {
      slot?.release();
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
      admission.stop();
      for (const off of unsubscribe.splice(0)) off();
      await contexts.releaseAll();
    },
    whenIdle(): Promise<void> {
      return contexts.whenEmpty();
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
