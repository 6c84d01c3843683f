/**
 * DESIGN §4.4: a REFER to the park extension or an orbit on a bridged call is callpark's own. The
 * park is committed first (a refusal answers the REFER itself: 403, 486…), then 202, C moved to
 * music on hold by a re-INVITE we offer, the orbit spoken to A if A is still there (not when A's
 * Replaces completed its reservation: A heard the orbit on that call), NOTIFY
 * `SIP/2.0 200 Parked at 704`, and A's leg ended. C's leg becomes a ParkedLeg handed to `onParked`.
 */
import type pino from 'pino';
import type Srf from 'drachtio-srf';
import type { HoldSession, HoldSound, MediaBackend } from '../../media/types';
import { normalizeIdentity, type ParkedCallSnapshot, type ParkService } from '../../park';
import { refusalFor } from '../sip-errors';
import { ParkedLeg } from '../parked-leg';
import { parseReplaces } from '../replaces';
import { dialogLookup, hangUp } from '../srf-extras';
import type { BridgedCall, CallLeg } from './bridged-call';
import type { ReferTarget } from './refer-target';
import { notifyReferProgress } from './sipfrag';

export interface ParkReferDeps {
  readonly srf: Srf;
  readonly park: ParkService;
  readonly media: MediaBackend;
  readonly extension: string;
  /** Speak the orbit to the parker when its leg is still up (default true). */
  readonly announceToParker: boolean;
  /** The parked leg now belongs to whoever retrieves or rings back (the park app's registry). */
  onParked(leg: ParkedLeg): void;
}

function contactUri(req: Srf.SrfRequest): string | undefined {
  const contact = req.get('Contact');
  return contact ? /<([^>]+)>/.exec(contact)?.[1] ?? contact.split(';')[0]?.trim() : undefined;
}

/** Attended park: A reserved an orbit by calling the park extension; Replaces names that call. */
function openReservation(park: ParkService, parkerUri: string): ParkedCallSnapshot | undefined {
  const parker = normalizeIdentity(parkerUri);
  return park.list().find((call) => call.state === 'reserved' && call.parker.identity === parker);
}

interface CommittedPark {
  readonly parked: ParkedCallSnapshot;
  /** An attended park took the orbit the parker reserved (and heard) on its consultation call. */
  readonly completedReservation: boolean;
}

function commitPark(deps: ParkReferDeps, parker: CallLeg, far: CallLeg, req: Srf.SrfRequest, target: ReferTarget): CommittedPark {
  const parked = { identity: far.party.uri, displayName: far.party.displayName };
  if (target.replaces) {
    const reservation = openReservation(deps.park, parker.party.uri);
    if (reservation) return { parked: deps.park.completeReservation(reservation.id, parked), completedReservation: true };
  }
  const orbit = target.user === deps.extension ? undefined : Number(target.user);
  return { parked: deps.park.park({ parker: { identity: parker.party.uri, contact: contactUri(req) }, parked, orbit }), completedReservation: false };
}

/** The consultation call to the park extension that an attended park's Replaces names, if we hold it. */
function replacedDialog(srf: Srf, target: ReferTarget): Srf.Dialog | undefined {
  const header = /[?&]replaces=([^&>]+)/i.exec(target.uri)?.[1];
  if (!header) return undefined;
  try {
    const replaces = parseReplaces(decodeURIComponent(header));
    return (
      dialogLookup(srf).findDialogByCallIDAndFromTag(replaces.callId, replaces.fromTag) ??
      dialogLookup(srf).findDialogByCallIDAndFromTag(replaces.callId, replaces.toTag)
    );
  } catch {
    return undefined;
  }
}

async function notify(log: pino.Logger, dialog: Srf.Dialog, cseq: string, status: number, reason: string, final: boolean): Promise<void> {
  try {
    await notifyReferProgress(dialog, cseq, { status, reason, final });
  } catch (err) {
    log.info({ err }, `NOTIFY ${status} to the parker not delivered`);
  }
}

async function announceToParker(deps: ParkReferDeps, parker: CallLeg, orbit: number, log: pino.Logger): Promise<void> {
  const session = await deps.media.hold({ callId: parker.dialog.sip.callId, sound: 'silence' });
  try {
    session.acceptAnswer(await parker.dialog.modify(session.localSdp));
    await session.announce(String(orbit));
  } catch (err) {
    log.info({ err }, 'could not speak the orbit to the parker');
  } finally {
    await session.release();
  }
}

export async function parkByRefer(
  deps: ParkReferDeps,
  call: BridgedCall,
  parker: CallLeg,
  req: Srf.SrfRequest,
  res: Srf.SrfResponse,
  target: ReferTarget,
  holdSound: HoldSound,
): Promise<void> {
  const { ctx } = call;
  const far = call.other(parker);
  const cseq = (req.get('CSeq') ?? '1').trim().split(/\s+/)[0]!;
  let committed: CommittedPark;
  try {
    committed = commitPark(deps, parker, far, req, target);
  } catch (err) {
    const refusal = refusalFor(err) ?? { status: 500, reason: 'Park failed', headers: {} };
    ctx.log.info({ status: refusal.status }, `park REFER refused: ${refusal.status} ${refusal.reason}`);
    res.send(refusal.status, refusal.reason, { headers: refusal.headers });
    return;
  }
  const { parked, completedReservation } = committed;
  ctx.bindOrbit(parked.orbit);
  ctx.bindPolicy(parked.lot);
  const subscribed = !target.noSubscription;
  res.send(202, target.noSubscription ? { headers: { 'Refer-Sub': 'false' } } : {});

  // From here the legs go separate ways: A leaves, C stays parked.
  await call.unwire();
  // A park abandoned for want of media ends as an error, not as the parked party hanging up.
  let parkEndReason: 'parkedPartyHungUp' | 'error' = 'parkedPartyHungUp';
  const parkRegistration = ctx.teardown.add('park', 'parked call', () => void deps.park.hangup(parked.id, parkEndReason));
  const parkerGone = (): void => parker.registration.forget();
  parker.dialog.on('destroy', parkerGone);
  const parkerListener = ctx.teardown.add('listener', 'parker BYE listener (park)', () => void parker.dialog.removeListener('destroy', parkerGone));
  if (subscribed) await notify(ctx.log, parker.dialog, cseq, 100, 'Trying', false);

  // The REFER's final NOTIFY goes before any BYE to the parker, however the call ends: added after
  // the parker's dialog, it is released before it. A retrieval (or the parked party leaving) while
  // the orbit is still spoken to the parker ends the whole call context.
  const outcome = { status: 487, reason: 'Request Terminated' };
  const finalNotify = ctx.teardown.add('listener', 'final NOTIFY to the parker', async () => {
    if (subscribed && parker.registration.active) await notify(ctx.log, parker.dialog, cseq, outcome.status, outcome.reason, true);
  });
  const settle = (status: number, reason: string): Promise<void> => {
    outcome.status = status;
    outcome.reason = reason;
    return finalNotify.release();
  };

  // C may hang up while its re-INVITE to music is in flight (a BYE crossing it): end the park
  // at once with C's reason instead of waiting for the re-INVITE's transaction to time out.
  let farGone = false;
  const onFarHangup = (): void => {
    farGone = true;
    far.registration.forget();
    ctx.log.info('parked party hung up');
    void ctx.teardown.run();
  };
  far.dialog.on('destroy', onFarHangup);
  ctx.teardown.add('listener', 'parked party BYE listener', () => void far.dialog.removeListener('destroy', onFarHangup));

  let hold: HoldSession;
  try {
    hold = await deps.media.hold({ callId: far.dialog.sip.callId, sound: holdSound });
  } catch (err) {
    ctx.log.error({ err }, 'no media for music on hold; park abandoned');
    parkEndReason = 'error';
    await abandonPark([parkRegistration], () => settle(503, 'Service Unavailable'));
    if (!farGone) call.wire();
    return;
  }
  const holdRegistration = ctx.teardown.add('media', 'music on hold', () => hold.release());
  if (farGone) {
    await holdRegistration.release();
    return;
  }
  try {
    hold.acceptAnswer(await far.dialog.modify(hold.localSdp));
  } catch (err) {
    if (farGone) {
      ctx.log.info('re-INVITE to music on hold ended by the parked party hanging up');
      return;
    }
    ctx.log.warn({ err }, 'parked party refused the re-INVITE to music on hold; park abandoned');
    parkEndReason = 'error';
    await abandonPark([holdRegistration, parkRegistration], () => settle(488, 'Not Acceptable Here'));
    call.wire();
    return;
  }
  if (farGone) return;

  const leg = new ParkedLeg(parked.id, parked.orbit, ctx, far.dialog, far.registration, far.party, hold, holdRegistration);
  leg.answerReinvites();
  deps.onParked(leg);
  outcome.status = 200;
  outcome.reason = `Parked at ${parked.orbit}`;
  ctx.log.info({ parker: parker.party.aor, parked: far.party.aor }, `${leg.label} parked at ${parked.orbit} by REFER`);

  // An attended parker already heard the orbit on its consultation call to the park extension.
  if (parker.registration.active && deps.announceToParker && !completedReservation) await announceToParker(deps, parker, parked.orbit, ctx.log);
  await finalNotify.release();
  await parkerListener.release();
  await parker.registration.release();
  const consultation = target.replaces ? replacedDialog(deps.srf, target) : undefined;
  if (consultation) {
    // Our own BYE raises no 'destroy', and srf's destroy() drops every listener: tell the
    // consultation call's owner first (the park app's reservation, whose announcement timer would
    // otherwise park the parker itself 'unreferred') that the call is over, then hang it up.
    consultation.emit('destroy');
    await hangUp(consultation).catch((err: unknown) => ctx.log.info({ err }, 'hanging up the consultation call failed'));
  }
}

/** The park did not happen: free what it held, tell the parker (final NOTIFY), keep the call. */
async function abandonPark(registrations: ReadonlyArray<{ release(): Promise<void> }>, tellParker: () => Promise<void>): Promise<void> {
  for (const registration of registrations) await registration.release();
  await tellParker();
}
