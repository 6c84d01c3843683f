import type { InboundInvite } from '../invite-middleware';
import { notifyParkerByMessage } from '../notify-parker';
import { answerIntoPark } from '../parked-leg';
import type { ParkRuntime } from '../runtime';

/**
 * DESIGN §4.1 blind park and §4.3 directed park: C arrives with `Referred-By: A`. A is the parker
 * (its policy, its lot; its Referred-By URI is where ring back goes), C is parked.
 */
export async function parkTransferredCall(rt: ParkRuntime, call: InboundInvite, orbit?: number): Promise<void> {
  const parker = call.referrer ?? call.caller;
  const leg = await answerIntoPark(rt, call, () =>
    rt.park.park({
      parker: { identity: parker.uri, contact: parker.uri },
      parked: { identity: call.caller.uri, displayName: call.caller.displayName },
      orbit,
    }),
  );
  leg.ctx.log.info({ parker: parker.aor, parked: call.caller.aor }, `${leg.label} parked at ${leg.orbit}`);
  if (rt.config.park.notifyByMessage) void notifyParkerByMessage(rt, leg, parker.uri);
}
