import type Srf from 'drachtio-srf';
import type { HoldSession } from '../media/types';
import { normalizeIdentity, ParkNotAllowedError, type ParkedCallSnapshot } from '../park';
import type { CallContext } from './call-context';
import { OfferRequiredError } from './errors';
import { displayLabel, type SipIdentity } from './identity';
import type { InboundInvite } from './invite-middleware';
import { hangUp } from './srf-extras';
import type { ParkRuntime } from './runtime';
import { hasSdp, nextSdpVersion } from './sdp';
import type { Registration } from './teardown';

/** Our response header telling the PBX (and tests) which orbit took the call. */
export const ORBIT_HEADER = 'X-Callpark-Orbit';

/** A pending ring-back INVITE that a fallback or a hang-up may cancel. */
export interface PendingOutcall {
  cancel(): void;
  readonly canceled: boolean;
}

/** The parked party's leg (C): its dialog, what it hears, and its call context. */
export class ParkedLeg {
  private holdRegistration?: Registration;
  outcall?: PendingOutcall;

  constructor(
    readonly parkId: string,
    readonly orbit: number,
    readonly ctx: CallContext,
    readonly dialog: Srf.Dialog,
    readonly dialogRegistration: Registration,
    readonly party: SipIdentity,
    private holdSession: HoldSession | undefined,
    holdRegistration: Registration,
  ) {
    this.holdRegistration = holdRegistration;
  }

  get label(): string {
    return displayLabel(this.party);
  }

  get hold(): HoldSession | undefined {
    return this.holdSession;
  }

  /** The party is connected elsewhere: stop the music and free the RTP ports. */
  async releaseHold(): Promise<void> {
    const registration = this.holdRegistration;
    this.holdRegistration = undefined;
    this.holdSession = undefined;
    await registration?.release();
  }

  /**
   * A connection attempt failed after we had re-INVITEd the party elsewhere: offer our hold
   * media again so it hears music instead of silence.
   */
  async restoreHold(): Promise<void> {
    const hold = this.holdSession;
    if (!hold) return;
    try {
      await this.dialog.modify(nextSdpVersion(hold.localSdp));
    } catch (err) {
      this.ctx.log.warn({ err }, 're-INVITE back to music on hold failed');
    }
  }
}

export class ParkedLegs {
  private readonly legs = new Map<string, ParkedLeg>();

  add(leg: ParkedLeg): void {
    this.legs.set(leg.parkId, leg);
  }

  get(parkId: string): ParkedLeg | undefined {
    return this.legs.get(parkId);
  }

  delete(parkId: string): void {
    this.legs.delete(parkId);
  }

  get size(): number {
    return this.legs.size;
  }
}

/**
 * Blind and directed park: refuse a parker the domain would refuse before any media is bound, so
 * an INVITE from a non-member costs no RTP port or media-server endpoint. The parker is chosen as
 * the blind-park handler chooses it (Referred-By, else the caller); completing an attended park
 * needs no check here, its reservation was authorised.
 */
function authorizeTransferredPark(rt: ParkRuntime, call: InboundInvite): void {
  if (call.route.flow !== 'blind-park' && call.route.flow !== 'directed-park') return;
  const raw = (call.referrer ?? call.caller).uri;
  const identity = normalizeIdentity(raw);
  const policy = identity === undefined ? undefined : rt.park.policies.resolve(identity);
  if (identity === undefined || policy === undefined || !policy.allowCallPark) throw new ParkNotAllowedError(identity ?? raw, policy?.name);
}

/**
 * Common to blind, directed and attended park: authorise the parker, hold media for the caller's
 * offer, `commit` the park in the domain (synchronous, may still refuse: orbit taken, lot full),
 * answer with the media SDP, and keep the leg. Everything is registered on the call's teardown as
 * it is created.
 */
export async function answerIntoPark(
  rt: ParkRuntime,
  call: InboundInvite,
  commit: () => ParkedCallSnapshot,
): Promise<ParkedLeg> {
  const { req, res, ctx } = call;
  if (!hasSdp(req.body)) throw new OfferRequiredError();
  authorizeTransferredPark(rt, call);
  const hold = await rt.media.hold({ callId: ctx.callId, remoteOffer: req.body, sound: call.holdSound });
  const holdRegistration = ctx.teardown.add('media', 'music on hold', () => hold.release());
  ctx.throwIfCanceled();

  const parked = commit();
  ctx.bindOrbitAndPolicy(parked.orbit, parked.lot);
  ctx.teardown.add('park', 'parked call', () => void rt.park.hangup(parked.id));

  const dialog = await rt.srf.createUAS(req, res, {
    localSdp: hold.localSdp,
    headers: { [ORBIT_HEADER]: String(parked.orbit) },
  });
  const dialogRegistration = ctx.teardown.add('dialog', 'parked party dialog', () => hangUp(dialog));
  const leg = new ParkedLeg(parked.id, parked.orbit, ctx, dialog, dialogRegistration, call.caller, hold, holdRegistration);
  watchParkedLeg(rt, leg);
  return leg;
}

/** List the leg for retrieval and ring back, and end its call when the party hangs up. */
export function watchParkedLeg(rt: ParkRuntime, leg: ParkedLeg): void {
  const { ctx, dialog } = leg;
  rt.legs.add(leg);
  // A swap (late attended transfer) may have listed another leg under the same park id.
  ctx.teardown.add('listener', 'parked-leg entry', () => {
    if (rt.legs.get(leg.parkId) === leg) rt.legs.delete(leg.parkId);
  });
  const onHangup = (): void => {
    leg.dialogRegistration.forget();
    ctx.log.info('parked party hung up');
    void ctx.teardown.run();
  };
  dialog.on('destroy', onHangup);
  ctx.teardown.add('listener', 'parked party BYE listener', () => void dialog.removeListener('destroy', onHangup));
}
