/**
 * DESIGN §6 ring back: parkTimeout expired and the domain asks us to call the parker. The INVITE
 * shows `Parked <orbit>: <caller>` and carries Alert-Info; answered, the parker is bridged as a
 * retrieval; refused, the domain runs the fallback; a ringbackTimeout fallback cancels it.
 */
import type { ParkedCallSnapshot } from '../../park';
import { ParkedCallNotFoundError, ParkStateError } from '../../park';
import { connectToParkedLeg, placeOutcall } from '../outcall';
import { hangUp } from '../srf-extras';
import type { ParkRuntime } from '../runtime';

function quoted(text: string): string {
  return text.replace(/["\\]/g, '');
}

export async function ringBackParker(rt: ParkRuntime, call: ParkedCallSnapshot, target: string, attempt: number): Promise<void> {
  const leg = rt.legs.get(call.id);
  if (!leg) {
    rt.log.error({ parkId: call.id, orbit: call.orbit }, 'ring back for a call without a SIP leg; ending it');
    rt.park.hangup(call.id, 'error');
    return;
  }
  const log = leg.ctx.log;
  log.info({ target, attempt }, `ringing back ${target}`);
  const result = await placeOutcall(rt, leg, {
    name: 'parker',
    uri: target,
    headers: {
      From: `"Parked ${call.orbit}: ${quoted(leg.label)}" <sip:${call.orbit}@localhost>`,
      'Alert-Info': rt.ringbackAlertInfo,
    },
  });
  if (result.outcome === 'canceled') {
    log.info('ring back canceled');
    return;
  }
  if (result.outcome === 'failed') {
    log.info({ status: result.status }, `ring back not answered (${result.status ?? 'no response'})`);
    try {
      rt.park.ringbackFailed(call.id);
    } catch (err) {
      if (!(err instanceof ParkStateError || err instanceof ParkedCallNotFoundError)) throw err;
    }
    return;
  }
  try {
    rt.park.ringbackAnswered(call.id);
  } catch (err) {
    if (!(err instanceof ParkStateError || err instanceof ParkedCallNotFoundError)) throw err;
    log.info('ring back answered after the call had moved on; hanging up the parker');
    await hangUp(result.dialog).catch(() => undefined);
    return;
  }
  if (await connectToParkedLeg(rt, leg, 'parker', result.dialog)) log.info('ring back answered; parker connected');
}
