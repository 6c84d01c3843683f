/**
 * The domain's verdict after an unanswered ring back (DESIGN §6): cancel our ring-back INVITE,
 * then `repark` (music goes on), `forward` (INVITE the URI and bridge), or `hangup` (the
 * `ended` event that follows ends the leg).
 */
import type { FallbackAction } from '../../park';
import type { ParkedCallSnapshot } from '../../park';
import { connectToParkedLeg, placeOutcall } from '../outcall';
import type { ParkRuntime } from '../runtime';

export async function runFallback(rt: ParkRuntime, call: ParkedCallSnapshot, action: FallbackAction, cause: string): Promise<void> {
  const leg = rt.legs.get(call.id);
  if (!leg) return;
  leg.outcall?.cancel();
  const log = leg.ctx.log;
  if (action.action === 'repark') {
    log.info({ cause, reparks: call.reparks }, `ring back unanswered (${cause}); re-parked at ${call.orbit}`);
    return;
  }
  if (action.action === 'hangup') {
    log.info({ cause }, `ring back unanswered (${cause}); hanging up the parked call`);
    return;
  }
  log.info({ cause, uri: action.uri }, `ring back unanswered (${cause}); forwarding to ${action.uri}`);
  const result = await placeOutcall(rt, leg, {
    name: 'forward target',
    uri: action.uri,
    headers: { From: `"${leg.label.replace(/["\\]/g, '')}" <sip:${leg.party.user || 'parked'}@localhost>` },
  });
  if (result.outcome !== 'answered') {
    log.warn({ status: result.outcome === 'failed' ? result.status : undefined }, `forward to ${action.uri} failed; hanging up the parked call`);
    await leg.ctx.teardown.run();
    return;
  }
  if (await connectToParkedLeg(rt, leg, 'forward target', result.dialog)) log.info(`forwarded to ${action.uri}`);
}
