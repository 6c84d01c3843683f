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
  private reinviteRegistration?: Registration;
  /** The last SDP the party sent us: what ring back offers, even after an offer-less re-INVITE. */
  private lastRemoteSdp: string;
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
    this.lastRemoteSdp = dialog.remote.sdp;
  }

  /** The party's SDP for a new call (ring back, forward): never empty once it sent one. */
  get remoteSdp(): string {
    const now = this.dialog.remote.sdp;
    if (hasSdp(now)) this.lastRemoteSdp = now;
    return this.lastRemoteSdp;
  }

  /**
   * While the party hears our media, its re-INVITEs go to the hold session (a phone that moved
   * its port or changed SSRC keeps hearing music). Registered on the call's teardown; ends when
   * the hold is released.
   */
  answerReinvites(): void {
    if (this.reinviteRegistration) return;
    const onModify = (req: Srf.SrfRequest, res: Srf.SrfResponse): void => {
      try {
        // A bridge (retrieval, ring back) relays re-INVITEs itself once it is wired.
        if (this.dialog.listenerCount('modify') > 1) return;
        this.onReinvite(req, res);
      } catch (err) {
        this.ctx.log.error({ err }, 'handling a re-INVITE from the parked party failed');
      }
    };
    this.dialog.on('modify', onModify);
    this.reinviteRegistration = this.ctx.teardown.add('listener', 'parked party re-INVITE listener', () => {
      this.dialog.removeListener('modify', onModify);
    });
  }

  private onReinvite(req: Srf.SrfRequest, res: Srf.SrfResponse): void {
    const hold = this.holdSession;
    const offer = req.body;
    if (!hasSdp(offer)) {
      // No offer: ours goes in the 200; the answer in the ACK is recorded by srf. The last offer
      // the party made stays what ring back offers.
      this.dialog.remote.sdp = this.lastRemoteSdp;
      const local = hold ? hold.localSdp : this.dialog.local.sdp;
      this.dialog.local.sdp = local;
      res.send(200, { body: local, headers: { 'Content-Type': 'application/sdp' } });
      this.dialog.once('ack', (ack: unknown) => this.onReofferAck(ack));
      return;
    }
    const previous = this.lastRemoteSdp;
    if (!hold || !hold.updateRemote) {
      this.dialog.remote.sdp = previous;
      res.send(488, 'Not Acceptable Here', {});
      return;
    }
    let answer: string;
    try {
      answer = hold.updateRemote(offer);
    } catch (err) {
      this.ctx.log.info({ err }, 're-INVITE from the parked party refused (488)');
      this.dialog.remote.sdp = previous;
      res.send(488, 'Not Acceptable Here', {});
      return;
    }
    this.lastRemoteSdp = offer;
    this.dialog.local.sdp = answer;
    this.ctx.log.info('parked party re-INVITE: hold media follows the new offer');
    res.send(200, { body: answer, headers: { 'Content-Type': 'application/sdp' } });
  }

  /** The ACK to our offer-in-200 carries the party's answer: point the music at it. */
  private onReofferAck(ack: unknown): void {
    try {
      const body = typeof ack === 'object' && ack !== null && 'body' in ack ? ack.body : undefined;
      if (typeof body !== 'string' || !hasSdp(body)) return;
      this.lastRemoteSdp = body;
      this.holdSession?.updateRemote?.(body);
    } catch (err) {
      this.ctx.log.info({ err }, 'the answer in the ACK to our offer could not be applied; the music follows RTP latching');
    }
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
    const reinvites = this.reinviteRegistration;
    this.reinviteRegistration = undefined;
    await reinvites?.release();
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
  leg.answerReinvites();
  const onHangup = (): void => {
    leg.dialogRegistration.forget();
    ctx.log.info('parked party hung up');
    void ctx.teardown.run();
  };
  dialog.on('destroy', onHangup);
  ctx.teardown.add('listener', 'parked party BYE listener', () => void dialog.removeListener('destroy', onHangup));
}
