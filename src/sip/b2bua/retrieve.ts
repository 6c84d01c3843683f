/**
 * DESIGN §4.5 for a leg parked by REFER in B2BUA mode: B dials the orbit through callpark. The
 * parked party C gets an optional courtesy beep from its hold session, is re-INVITEd with B's
 * offer, B is answered with C's answer (P-Asserted-Identity: C), the music is released, and the
 * two legs become a BridgedCall again (so the call can be transferred or parked once more).
 * Then B's display is updated with C's identity (connected line).
 *
 * The courtesy tone goes to the parked party, not to the retriever: B's media never passes
 * through callpark (B is answered with C's SDP), so beeping to B would mean answering B from our
 * media first and moving it by a second offer/answer — an extra round trip and a clipped first
 * word on every retrieval, for a beep.
 */
import type Srf from 'drachtio-srf';
import type { ParkService, RetrievalGuard } from '../../park';
import { ParkStateError } from '../../park';
import { CallCanceledError } from '../call-context';
import { OfferRequiredError, ParkedPartyRefusedError } from '../errors';
import type { SipIdentity, TrustedPeers } from '../identity';
import { ORBIT_HEADER, type ParkedLeg } from '../parked-leg';
import { hasSdp } from '../sdp';
import { hangUp, isSipError } from '../srf-extras';
import { BridgedCall, type ReferHandler } from './bridged-call';
import { assertedIdentity, updateConnectedLine } from './connected-line';
import { beginGuardedRetrieve } from './guarded-retrieve';

export interface B2buaRetrieveDeps {
  readonly srf: Srf;
  readonly park: ParkService;
  readonly onRefer: ReferHandler;
  /** Beep to the parked party before it is connected (`park.courtesyTone`). */
  readonly courtesyTone: boolean;
  /** Update the retriever's display once bridged (`sip.connectedLine`). */
  readonly connectedLine: boolean;
  /** Rate limit on failed retrievals (security.retrievalLimit); absent: no limit. */
  readonly retrievalGuard?: RetrievalGuard;
  /** Peers whose address is never counted by the guard (they carry every user). */
  readonly trusted: TrustedPeers;
}

export async function retrieveB2buaLeg(
  deps: B2buaRetrieveDeps,
  leg: ParkedLeg,
  retrieverParty: SipIdentity,
  req: Srf.SrfRequest,
  res: Srf.SrfResponse,
  canceled: () => boolean,
): Promise<BridgedCall | undefined> {
  if (!hasSdp(req.body)) throw new OfferRequiredError();
  const ticket = beginGuardedRetrieve(deps, leg.orbit, retrieverParty.uri, req.source_address);
  const { ctx } = leg;

  if (deps.courtesyTone && leg.hold) await leg.hold.beep().catch((err: unknown) => ctx.log.info({ err }, 'courtesy tone not played'));

  let answer: string;
  try {
    answer = await leg.dialog.modify(req.body);
  } catch (err) {
    ticket.fail('parked party refused the re-INVITE');
    throw new ParkedPartyRefusedError(isSipError(err) ? err.status : undefined);
  }

  let retriever: Srf.Dialog;
  try {
    if (canceled()) throw new CallCanceledError();
    retriever = await deps.srf.createUAS(req, res, {
      localSdp: answer,
      headers: { [ORBIT_HEADER]: String(leg.orbit), 'P-Asserted-Identity': assertedIdentity({ uri: leg.party.uri, displayName: leg.party.displayName }) },
    });
  } catch (err) {
    ticket.fail(canceled() ? 'retriever canceled' : 'answering the retriever failed');
    await leg.restoreHold();
    throw canceled() ? new CallCanceledError() : err;
  }

  const retrieverRegistration = ctx.teardown.add('dialog', 'retriever dialog', () => hangUp(retriever));
  try {
    ticket.complete();
  } catch (err) {
    if (!(err instanceof ParkStateError)) throw err;
    ctx.log.info('parked party left during retrieval; ending the retriever');
    await retrieverRegistration.release();
    return undefined;
  }
  ctx.log.info({ retriever: retrieverParty.aor }, `retrieved by ${retrieverParty.aor}`);
  await leg.releaseHold();
  const call = new BridgedCall(
    ctx,
    { name: 'parked party', dialog: leg.dialog, party: leg.party, registration: leg.dialogRegistration },
    { name: 'retriever', dialog: retriever, party: retrieverParty, registration: retrieverRegistration },
    deps.onRefer,
  );
  call.wire();
  const outcome = await updateConnectedLine(
    retriever,
    { uri: leg.party.uri, displayName: leg.party.displayName },
    { enabled: deps.connectedLine, allow: req.get('Allow'), log: ctx.log },
  );
  ctx.log.info({ outcome }, `connected line of the retriever: ${outcome}`);
  return call;
}
