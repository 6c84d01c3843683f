/**
 * DESIGN §4.2 attended park. Step 1: the parker A dials the park extension; an orbit is reserved,
 * A is answered and hears "parked on" and the digits. Step 2: A transfers, and the parked party C
 * arrives with `Replaces:` naming A's dialog; C takes the reserved orbit and A's dialog ends
 * (RFC 3891 §3: the replaced dialog is terminated with BYE). A hanging up first frees the orbit.
 *
 * A phone that blind-transfers without Referred-By (baresip, some softphones) makes the parked
 * party's INVITE look exactly like step 1. So a caller still on the line `unreferredParkDelayMs`
 * after the announcement, with no transfer, is parked itself in the reserved orbit (DESIGN §4.1:
 * the parker is the Referred-By identity, else From) and hears the hold sound.
 */
import type { AttendedPark, SelfParked } from '../attended-registry';
import { ReplacedDialogNotFoundError, OfferRequiredError } from '../errors';
import type { InboundInvite } from '../invite-middleware';
import { ORBIT_HEADER, ParkedLeg, answerIntoPark, watchParkedLeg } from '../parked-leg';
import type { Registration } from '../teardown';
import type { ReplacesTarget } from '../replaces';
import { findReplacedDialog } from '../replaces';
import type { ParkRuntime } from '../runtime';
import { hasSdp } from '../sdp';
import { dialogLookup, hangUp } from '../srf-extras';

function contactUri(call: InboundInvite): string | undefined {
  const contacts = call.req.has('Contact') ? call.req.getParsedHeader('Contact') : [];
  return contacts[0]?.uri;
}

export async function reserveForAttendedPark(rt: ParkRuntime, call: InboundInvite): Promise<void> {
  const { req, res, ctx } = call;
  if (!hasSdp(req.body)) throw new OfferRequiredError();
  const reservation = rt.park.reserve({ parker: { identity: call.caller.uri, contact: contactUri(call) } });
  ctx.bindOrbit(reservation.orbit);
  ctx.bindPolicy(reservation.lot);
  ctx.teardown.add('park', 'orbit reservation', () => void rt.park.releaseReservation(reservation.id));

  const hold = await rt.media.hold({ callId: ctx.callId, remoteOffer: req.body, sound: 'silence' });
  const holdRegistration = ctx.teardown.add('media', 'announcement media', () => hold.release());
  ctx.throwIfCanceled();

  const dialog = await rt.srf.createUAS(req, res, {
    localSdp: hold.localSdp,
    headers: { [ORBIT_HEADER]: String(reservation.orbit) },
  });
  const dialogRegistration = ctx.teardown.add('dialog', 'parker dialog', () => hangUp(dialog));
  const entry: AttendedPark = { reservationId: reservation.id, orbit: reservation.orbit, ctx, dialog, hold };
  rt.attended.add(entry);
  const waiting: Registration[] = [ctx.teardown.add('listener', 'attended-park entry', () => rt.attended.remove(entry))];

  const onHangup = (): void => {
    dialogRegistration.forget();
    ctx.log.info('parker hung up before completing the transfer; releasing the orbit');
    void ctx.teardown.run();
  };
  dialog.on('destroy', onHangup);
  waiting.push(ctx.teardown.add('listener', 'parker BYE listener', () => void dialog.removeListener('destroy', onHangup)));
  ctx.log.info(`orbit ${reservation.orbit} reserved for ${call.caller.aor}; announcing`);

  const parkCallerItself = (): void => {
    if (ctx.teardown.done || rt.attended.forReservation(reservation.id) !== entry) return;
    for (const registration of waiting) void registration.release();
    const parked = rt.park.completeReservation(reservation.id, { identity: call.caller.uri, displayName: call.caller.displayName });
    const parkRegistration = ctx.teardown.add('park', 'parked call', () => void rt.park.hangup(parked.id));
    const leg = new ParkedLeg(parked.id, parked.orbit, ctx, dialog, dialogRegistration, call.caller, hold, holdRegistration);
    watchParkedLeg(rt, leg);
    const selfParked: SelfParked = { leg, parkRegistration };
    rt.selfParked.add(selfParked);
    ctx.teardown.add('listener', 'self-parked entry', () => rt.selfParked.remove(selfParked));
    hold.play(call.holdSound);
    ctx.log.info(
      { parked: call.caller.aor, delayMs: rt.unreferredParkDelayMs },
      `no transfer followed: ${leg.label} parked at ${leg.orbit} (INVITE without Referred-By)`,
    );
  };
  hold
    .announce(String(reservation.orbit))
    .catch((err: unknown) => ctx.log.warn({ err }, 'orbit announcement failed'))
    .finally(() => {
      // Gone from the registry: a transfer (Replaces) has claimed the reservation meanwhile.
      if (ctx.teardown.done || rt.attended.forReservation(reservation.id) !== entry) return;
      const timer = setTimeout(() => {
        try {
          parkCallerItself();
        } catch (err) {
          ctx.log.error({ err }, 'parking the caller after its reservation failed; ending the call');
          void ctx.teardown.run();
        }
      }, rt.unreferredParkDelayMs);
      entry.waitTimer = ctx.teardown.add('timer', 'unreferred park timer', () => clearTimeout(timer));
      waiting.push(entry.waitTimer);
    });
}

function replacesText(replaces: ReplacesTarget): string {
  return `${replaces.callId};to-tag=${replaces.toTag};from-tag=${replaces.fromTag}`;
}

export async function completeAttendedPark(rt: ParkRuntime, call: InboundInvite, replaces: ReplacesTarget): Promise<void> {
  const replaced = findReplacedDialog(dialogLookup(rt.srf), replaces);
  const selfParked = replaced && rt.selfParked.forDialog(replaced);
  if (selfParked) return swapIntoOrbit(rt, call, selfParked, replaces);
  const entry = replaced && rt.attended.forDialog(replaced);
  if (!entry) throw new ReplacedDialogNotFoundError(replacesText(replaces));
  // Claim the reservation before the first await: otherwise the parker's own timer could park the
  // parker in it while the transferee's media is set up, and completeReservation would then fail.
  rt.attended.remove(entry);
  void entry.waitTimer?.release();
  let leg: ParkedLeg;
  try {
    leg = await answerIntoPark(rt, call, () =>
      rt.park.completeReservation(entry.reservationId, { identity: call.caller.uri, displayName: call.caller.displayName }),
    );
  } catch (err) {
    // Nothing waits on the claimed reservation any more: end the parker's dialog (it asked to be replaced).
    entry.ctx.log.info('the transfer into the reserved orbit failed: ending the parker dialog');
    await entry.ctx.teardown.run();
    throw err;
  }
  leg.ctx.log.info({ parked: call.caller.aor, replaced: entry.ctx.callId }, `${leg.label} parked at ${leg.orbit} (attended)`);
  entry.ctx.log.info('transfer completed: ending the replaced parker dialog');
  await entry.ctx.teardown.run();
}

/**
 * The parker waited past `unreferredParkDelayMs` and was parked itself; now its transfer arrives.
 * The transferee takes the parker's place in the same orbit (the parked call, its lamp and its
 * ring-back target, the original parker, stay; the domain's parked party becomes the transferee),
 * and the parker's dialog is hung up.
 */
async function swapIntoOrbit(rt: ParkRuntime, call: InboundInvite, selfParked: SelfParked, replaces: ReplacesTarget): Promise<void> {
  const { req, res, ctx } = call;
  const old = selfParked.leg;
  const stillParked = (): boolean => !old.ctx.teardown.done && rt.park.getById(old.parkId)?.state === 'parked';
  if (!stillParked()) throw new ReplacedDialogNotFoundError(replacesText(replaces));
  if (!hasSdp(req.body)) throw new OfferRequiredError();
  const hold = await rt.media.hold({ callId: ctx.callId, remoteOffer: req.body, sound: call.holdSound });
  const holdRegistration = ctx.teardown.add('media', 'music on hold', () => hold.release());
  ctx.throwIfCanceled();
  if (!stillParked()) throw new ReplacedDialogNotFoundError(replacesText(replaces));
  ctx.bindOrbit(old.orbit);

  const dialog = await rt.srf.createUAS(req, res, { localSdp: hold.localSdp, headers: { [ORBIT_HEADER]: String(old.orbit) } });
  const dialogRegistration = ctx.teardown.add('dialog', 'parked party dialog', () => hangUp(dialog));
  if (!stillParked()) {
    ctx.log.info('the self-parked parker left or was retrieved while the transferee was answered; ending the transferee');
    await ctx.teardown.run();
    return;
  }
  // The claim on the parked call moves to the transferee: hanging up the parker must not end it.
  selfParked.parkRegistration.forget();
  ctx.teardown.add('park', 'parked call', () => void rt.park.hangup(old.parkId));
  // Still `parked` (checked above, nothing awaited since): lamps and the admin API now name the transferee.
  rt.park.replaceParkedParty(old.parkId, { identity: call.caller.uri, displayName: call.caller.displayName });
  const leg = new ParkedLeg(old.parkId, old.orbit, ctx, dialog, dialogRegistration, call.caller, hold, holdRegistration);
  watchParkedLeg(rt, leg);
  leg.ctx.log.info(
    { parked: call.caller.aor, replaced: old.ctx.callId },
    `${leg.label} swapped into orbit ${leg.orbit} in place of its self-parked parker (late attended transfer)`,
  );
  old.ctx.log.info('late transfer completed: ending the parker dialog');
  await old.ctx.teardown.run();
}
