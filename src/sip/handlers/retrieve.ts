/**
 * DESIGN §5 retrieve: B dials an occupied orbit with offer O_B. C is re-INVITEd with O_B, B is
 * answered with C's answer, the music is released and the two stay bridged through our
 * signalling. If C refuses, C stays parked and B gets the failure; if B gives up after C moved,
 * C is offered the music again.
 */
import { isCountedRetrievalFailure, ParkedCallNotFoundError, ParkStateError, type RetrievalSource, type RetrieveTicket } from '../../park';
import type { HoldSession } from '../../media/types';
import { bridgeLegs } from '../bridge';
import { CallCanceledError } from '../call-context';
import { showParkedParty } from '../connected-party';
import { OfferRequiredError, ParkedPartyRefusedError } from '../errors';
import type { InboundInvite } from '../invite-middleware';
import { ORBIT_HEADER } from '../parked-leg';
import type { ParkRuntime } from '../runtime';
import { hasSdp } from '../sdp';
import { isSipError, hangUp } from '../srf-extras';

/** A hold session that can bridge a retriever on the media server (FreeswitchHoldSession.anchor). */
interface AnchoringHold extends HoldSession {
  anchor(retrieverOffer: string): Promise<{ readonly localSdp: string }>;
}

function canAnchor(hold: HoldSession): hold is AnchoringHold {
  return typeof (hold as Partial<AnchoringHold>).anchor === 'function';
}

/**
 * The security standard's limit on failed retrievals: a source that probed too many empty or
 * foreign orbits is refused before the orbit is even looked up. A trusted peer (the PBX) carries
 * every user, so only the identity it asserts is counted, never its address.
 */
function beginGuardedRetrieve(rt: ParkRuntime, call: InboundInvite, orbit: number): RetrieveTicket {
  const guard = rt.retrievalGuard;
  const address = call.req.source_address;
  const source: RetrievalSource = { identity: call.caller.uri, address: rt.trusted.has(address) ? undefined : address };
  guard?.check(source);
  try {
    return rt.park.beginRetrieve({ orbit, retriever: call.caller.uri });
  } catch (err) {
    if (guard && isCountedRetrievalFailure(err)) guard.recordFailure(source);
    throw err;
  }
}

export async function retrieveParkedCall(rt: ParkRuntime, call: InboundInvite, orbit: number): Promise<void> {
  const { req, res, ctx } = call;
  if (!hasSdp(req.body)) throw new OfferRequiredError();
  const ticket = beginGuardedRetrieve(rt, call, orbit);
  ctx.bindOrbitAndPolicy(orbit, ticket.call.lot);
  const leg = rt.legs.get(ticket.call.id);
  if (!leg) {
    ticket.fail('parked leg not found');
    throw new ParkedCallNotFoundError(ticket.call.id);
  }

  const hold = leg.hold;
  if (rt.config.park.courtesyTone === true && hold !== undefined) {
    await hold.beep().catch((err: unknown) => ctx.log.info({ err }, 'courtesy tone not played'));
    if (ctx.canceled) {
      ticket.fail('retriever canceled');
      throw new CallCanceledError();
    }
  }
  const anchoring = rt.config.media?.anchor === 'server' && hold !== undefined && canAnchor(hold) ? hold : undefined;
  let answer: string;
  if (anchoring) {
    // media.anchor: server — the retriever is answered by the media server, bridged there to C's
    // endpoint; C is not re-INVITEd and its hold session stays until the call ends.
    try {
      answer = (await anchoring.anchor(req.body)).localSdp;
    } catch (err) {
      ticket.fail('anchoring the retriever on the media server failed');
      throw err;
    }
  } else {
    try {
      answer = await leg.dialog.modify(req.body);
    } catch (err) {
      ticket.fail('parked party refused the re-INVITE');
      throw new ParkedPartyRefusedError(isSipError(err) ? err.status : undefined);
    }
  }

  let retriever;
  try {
    ctx.throwIfCanceled();
    retriever = await rt.srf.createUAS(req, res, {
      localSdp: answer,
      headers: { [ORBIT_HEADER]: String(orbit), 'P-Asserted-Identity': `"${leg.label}" <${leg.party.uri}>` },
    });
  } catch (err) {
    ticket.fail(ctx.canceled ? 'retriever canceled' : 'answering the retriever failed');
    // Anchored, C never left its endpoint; it stays bridged to the unused retriever endpoint until released.
    if (!anchoring) await leg.restoreHold();
    throw ctx.canceled ? new CallCanceledError() : err;
  }

  // From here to bridgeLegs nothing may await: a retriever that hangs up right after its ACK
  // sends a BYE that srf emits as 'destroy' on its dialog, and only the bridge listens for it.
  const retrieverRegistration = leg.ctx.teardown.add('dialog', 'retriever dialog', () => hangUp(retriever));
  try {
    ticket.complete();
  } catch (err) {
    if (!(err instanceof ParkStateError)) throw err;
    // C hung up while B was being answered: its teardown already ran, so end B as well.
    ctx.log.info('parked party left during retrieval; ending the retriever');
    await retrieverRegistration.release();
    return;
  }
  bridgeLegs(
    leg.ctx,
    { name: 'parked party', dialog: leg.dialog, registration: leg.dialogRegistration },
    { name: 'retriever', dialog: retriever, registration: retrieverRegistration },
    { relayOffers: !anchoring },
  );
  leg.ctx.log.info({ retriever: call.caller.aor, retrieverCallId: ctx.callId }, `retrieved by ${call.caller.aor}`);
  showParkedParty(rt, leg, retriever, req.get('Allow'));
  if (!anchoring) await leg.releaseHold();
}
