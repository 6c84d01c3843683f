import type { InboundInvite } from '../invite-middleware';
import type { ParkRuntime } from '../runtime';
import { parkTransferredCall } from './blind-park';

/** DESIGN §4.3: a transfer into a chosen orbit parks there; an occupied one is refused (486), never bridged. */
export function directedPark(rt: ParkRuntime, call: InboundInvite, orbit: number): Promise<void> {
  return parkTransferredCall(rt, call, orbit);
}
