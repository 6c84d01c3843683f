/**
 * The admin API's "retrieve to a phone" (DESIGN §7): callpark calls the phone for the parked
 * party and, once it answers, bridges the two as a retrieval. The phone must offer first (we
 * have no offer the parked party agreed to), so the INVITE carries no SDP: the phone's 200 holds
 * its offer, the parked party is re-INVITEd with it, and its answer goes in our ACK. Any failure
 * leaves the call parked.
 */
import { ParkedCallNotFoundError, ParkStateError } from '../park';
import { bridgeLegs } from './bridge';
import { showParkedParty } from './connected-party';
import { ParkedPartyRefusedError, PhoneNotAnsweredError } from './errors';
import { PendingInvite } from './outcall';
import type { ParkRuntime } from './runtime';
import { hangUp, inviteLateOffer, isSipError, type UnackedAnswer } from './srf-extras';

function quoted(text: string): string {
  return text.replace(/["\\]/g, '');
}

export async function retrieveToPhone(rt: ParkRuntime, callId: string, uri: string): Promise<void> {
  const leg = rt.legs.get(callId);
  const parked = rt.park.getById(callId);
  if (!leg || !parked) throw new ParkedCallNotFoundError(callId);
  // An operator acts for the parker: its identity is by definition in the call's park group.
  const ticket = rt.park.beginRetrieve({ orbit: parked.orbit, retriever: parked.parker.identity });
  if (ticket.call.id !== callId) {
    ticket.fail('orbit taken by another call');
    throw new ParkedCallNotFoundError(callId);
  }
  const log = leg.ctx.log;
  log.info({ uri }, `retrieving to ${uri} (admin)`);

  const pending = new PendingInvite(log);
  leg.outcall = pending;
  const inviteRegistration = leg.ctx.teardown.add('dialog', 'INVITE to the retrieving phone', () => pending.cancel());
  let answered: UnackedAnswer;
  try {
    answered = await inviteLateOffer(
      rt.srf,
      uri,
      { headers: { From: `"Parked ${parked.orbit}: ${quoted(leg.label)}" <sip:${parked.orbit}@localhost>` }, proxy: rt.config.sip.outboundProxy },
      (req) => pending.sent(req),
    );
  } catch (err) {
    ticket.fail('the phone did not answer');
    throw new PhoneNotAnsweredError(uri, isSipError(err) ? err.status : undefined);
  } finally {
    inviteRegistration.forget();
    if (leg.outcall === pending) leg.outcall = undefined;
  }

  let answer: string;
  try {
    if (leg.ctx.teardown.done) throw new ParkStateError(callId, 'ended', 'retrieve');
    answer = await leg.dialog.modify(answered.sdp);
  } catch (err) {
    await answered.destroy();
    ticket.fail('parked party refused the re-INVITE');
    throw err instanceof ParkStateError ? err : new ParkedPartyRefusedError(isSipError(err) ? err.status : undefined);
  }

  let phone;
  try {
    phone = await answered.ack(answer);
  } catch (err) {
    ticket.fail('the phone dialog could not be confirmed');
    await leg.restoreHold();
    throw err;
  }
  const registration = leg.ctx.teardown.add('dialog', 'retrieving phone dialog', () => hangUp(phone));
  try {
    ticket.complete();
  } catch (err) {
    await registration.release();
    throw err;
  }
  log.info({ uri }, `retrieved to ${uri} (admin)`);
  await leg.releaseHold();
  bridgeLegs(
    leg.ctx,
    { name: 'parked party', dialog: leg.dialog, registration: leg.dialogRegistration },
    { name: 'retrieving phone', dialog: phone, registration },
  );
  showParkedParty(rt, leg, phone);
}
