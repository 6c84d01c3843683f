/**
 * B2BUA mode (DESIGN §2, flow 4): callpark in the call path. `installB2bua` adds srf middleware
 * that bridges INVITEs not meant for the park app, proxies other requests upstream, and answers
 * park REFERs on bridged calls itself. Install it BEFORE createParkApp (srf runs middleware in
 * order and the park app's INVITE handler never passes on) and AFTER installBlf (SUBSCRIBEs to
 * orbits are the lamps'; the rest go upstream).
 */
import type pino from 'pino';
import type Srf from 'drachtio-srf';
import type { MediaBackend } from '../../media/types';
import type { EndReason, ParkService, RetrievalGuard } from '../../park';
import { CallContext } from '../call-context';
import { TrustedPeers } from '../identity';
import { callerIdentity, referrerIdentity, type SipIdentity } from '../identity';
import { dialledTarget } from '../invite-middleware';
import type { ParkedLeg } from '../parked-leg';
import { refuse, refusalFor } from '../sip-errors';
import type { BridgedCall, CallLeg } from './bridged-call';
import { bridgeInvite } from './invite-bridge';
import { parkByRefer } from './park-refer';
import { PassThrough, type PassThroughCounts } from './pass-through';
import { isParkRefer, readReferTarget } from './refer-target';
import { retrieveB2buaLeg } from './retrieve';
import { Upstream } from './upstream';

export interface B2buaConfig {
  readonly upstream: string;
  /** `connectedLine` (default true): update a retriever's display with the parked party. */
  readonly sip: { readonly trustedPeers: readonly string[]; readonly connectedLine?: boolean };
  /** `courtesyTone` (default false): beep to the parked party when it is retrieved. */
  readonly park: { readonly extension: string; readonly courtesyTone?: boolean };
}

export interface B2buaDeps {
  readonly srf: Srf;
  readonly park: ParkService;
  readonly media: MediaBackend;
  readonly config: B2buaConfig;
  readonly log: pino.Logger;
  /** Speak the orbit to a parker still on the line (default true). */
  readonly announceToParker?: boolean;
  /**
   * Hand a leg parked by REFER to the park app, so that retrieval and ring back find it
   * (e.g. `(leg) => parkApp.adoptParkedLeg(leg)`). Without it, the leg is held here until it ends.
   */
  readonly adoptParkedLeg?: (leg: ParkedLeg) => void;
  /** Rate limit on failed retrievals (security.retrievalLimit), shared with the park app; absent: no limit. */
  readonly retrievalGuard?: RetrievalGuard;
}

export interface B2buaCounts extends PassThroughCounts {
  /** Calls with a live context (bridged or parked by REFER). */
  calls: number;
  /** Legs parked by REFER that have not ended yet. */
  parkedLegs: number;
}

export interface B2buaService {
  /** Stop taking calls (503) and end every call this module holds. */
  stop(): Promise<void>;
  counts(): B2buaCounts;
}

/** Ends after which the parked leg belongs to a bridge or a forward, not to us. */
const HANDED_OVER: ReadonlySet<EndReason> = new Set<EndReason>(['retrieved', 'ringbackAnswered', 'forwarded']);

export function installB2bua(deps: B2buaDeps): B2buaService {
  const log = deps.log.child({ part: 'b2bua' });
  const upstream = new Upstream(deps.config.upstream);
  upstream.resolve().catch((err: unknown) => log.error({ err, upstream: deps.config.upstream }, 'upstream host did not resolve'));
  const trusted = new TrustedPeers(deps.config.sip.trustedPeers);
  const passThrough = new PassThrough(deps.srf, upstream, log);
  const contexts = new Set<CallContext>();
  const parkedLegs = new Map<string, ParkedLeg>();
  const extension = deps.config.park.extension;
  const isOrbitCode = (code: string): boolean => deps.park.isOrbitCode(code);
  const isParkTarget = (user: string): boolean => user === extension || (/^\d+$/.test(user) && isOrbitCode(user));
  let stopping = false;

  const newContext = (callId: string): CallContext => {
    const ctx = new CallContext(callId, log);
    contexts.add(ctx);
    ctx.teardown.add('listener', 'b2bua context entry', () => void contexts.delete(ctx));
    return ctx;
  };

  const onParked = (leg: ParkedLeg): void => {
    parkedLegs.set(leg.parkId, leg);
    leg.ctx.teardown.add('listener', 'b2bua parked-leg entry', () => void parkedLegs.delete(leg.parkId));
    deps.adoptParkedLeg?.(leg);
  };

  const onRefer = (call: BridgedCall, from: CallLeg, req: Srf.SrfRequest, res: Srf.SrfResponse): void => {
    let target;
    try {
      target = readReferTarget(req);
    } catch (err) {
      const refusal = refusalFor(err) ?? { status: 400, reason: 'Bad Refer-To', headers: {} };
      res.send(refusal.status, refusal.reason, { headers: refusal.headers });
      return;
    }
    if (!isParkRefer(target, extension, isOrbitCode)) {
      call.ctx.log.info({ referTo: target.uri }, 'relaying REFER');
      call.relayRefer(from, req, res);
      return;
    }
    const holdSound = deps.park.policies.resolve(from.party.uri)?.holdSound ?? 'music';
    parkByRefer(
      { srf: deps.srf, park: deps.park, media: deps.media, extension, announceToParker: deps.announceToParker ?? true, onParked },
      call,
      from,
      req,
      res,
      target,
      holdSound,
    ).catch((err: unknown) => call.ctx.log.error({ err }, 'park by REFER failed'));
  };

  const bridgeDeps = { srf: deps.srf, upstream, trusted, log, onRefer, newContext };
  const retrieveDeps = {
    srf: deps.srf,
    park: deps.park,
    onRefer,
    courtesyTone: deps.config.park.courtesyTone ?? false,
    connectedLine: deps.config.sip.connectedLine ?? true,
    retrievalGuard: deps.retrievalGuard,
    trusted,
  };

  /** A plain dial of an orbit whose parked leg this module holds (parked by REFER). */
  const heldLegFor = (req: Srf.SrfRequest, target: string): { leg: ParkedLeg; retriever: SipIdentity } | undefined => {
    if (!/^\d+$/.test(target) || !isOrbitCode(target) || referrerIdentity(req)) return undefined;
    const retriever = callerIdentity(req, trusted);
    const policy = deps.park.policies.resolve(retriever.uri);
    const parked = policy && deps.park.get(Number(target), policy.name);
    const leg = parked ? parkedLegs.get(parked.id) : undefined;
    return leg ? { leg, retriever } : undefined;
  };

  const retrieve = (leg: ParkedLeg, retriever: SipIdentity, req: Srf.SrfRequest, res: Srf.SrfResponse): void => {
    let canceled = false;
    req.on('cancel', () => {
      canceled = true;
    });
    retrieveB2buaLeg(retrieveDeps, leg, retriever, req, res, () => canceled).catch((err: unknown) => refuse(res, err, leg.ctx.log));
  };

  deps.srf.use('invite', (req, res, next) => {
    const dialled = dialledTarget(req);
    if (isParkTarget(dialled)) {
      // A malformed From, P-Asserted-Identity or Referred-By is the caller's fault (400), not ours.
      let held: { leg: ParkedLeg; retriever: SipIdentity } | undefined;
      try {
        held = heldLegFor(req, dialled);
      } catch (err) {
        refuse(res, err, log);
        return;
      }
      if (held) retrieve(held.leg, held.retriever, req, res);
      else next();
      return;
    }
    if (stopping) {
      res.send(503, 'Call park is shutting down', {});
      return;
    }
    bridgeInvite(bridgeDeps, req, res).catch((err: unknown) => log.error({ err }, 'bridging an INVITE failed'));
  });

  deps.srf.use('refer', (req, res, next) => {
    // A REFER outside any dialog: the call it would park is not answered (or not ours).
    let target;
    try {
      target = readReferTarget(req);
    } catch {
      next();
      return;
    }
    if (isParkRefer(target, extension, isOrbitCode)) {
      log.info({ callId: req.get('Call-ID') }, 'park REFER outside an answered call refused');
      res.send(403, 'No answered call to park', {});
      return;
    }
    passThrough.proxy(req, res);
  });

  for (const method of ['register', 'subscribe', 'message', 'options', 'publish']) {
    deps.srf.use(method, (req, res, next) => {
      const user = dialledTarget(req);
      // Requests for callpark itself (no user part, or a park code) stay here; a REGISTER's
      // Request-URI never has a user part (RFC 3261 §10.2) and is always the registrar's.
      if (req.method !== 'REGISTER' && (!user || isParkTarget(user))) {
        next();
        return;
      }
      passThrough.proxy(req, res);
    });
  }

  const offEnded = deps.park.on('ended', ({ call, reason }) => {
    const leg = parkedLegs.get(call.id);
    if (!leg) return;
    parkedLegs.delete(call.id);
    if (HANDED_OVER.has(reason)) return;
    leg.ctx.log.info({ reason }, `parked call at ${call.orbit} ended: ${reason}`);
    void leg.ctx.teardown.run();
  });

  return {
    async stop(): Promise<void> {
      stopping = true;
      offEnded();
      await Promise.all([...contexts].map((ctx) => ctx.teardown.run()));
    },
    counts(): B2buaCounts {
      return { ...passThrough.counts(), calls: contexts.size, parkedLegs: parkedLegs.size };
    },
  };
}
