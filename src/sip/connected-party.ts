/**
 * DESIGN §5: once a retriever (or a parker answering ring back) is bridged to the parked party,
 * its display should name that party rather than the orbit it dialled or the ring-back caller-ID.
 */
import type Srf from 'drachtio-srf';
import { updateConnectedLine } from './b2bua/connected-line';
import type { ParkedLeg } from './parked-leg';
import type { ParkRuntime } from './runtime';
import { peerAllow } from './srf-extras';

/** Fire and forget: a phone that refuses the UPDATE/re-INVITE keeps its call, only its display is stale. */
export function showParkedParty(rt: ParkRuntime, leg: ParkedLeg, dialog: Srf.Dialog, allow: string | undefined = peerAllow(dialog)): void {
  const identity = { uri: leg.party.uri, displayName: leg.party.displayName };
  updateConnectedLine(dialog, identity, { enabled: rt.config.sip.connectedLine ?? true, allow, log: leg.ctx.log })
    .then((outcome) => leg.ctx.log.debug({ outcome }, `connected line: ${outcome}`))
    .catch((err: unknown) => leg.ctx.log.warn({ err }, 'connected-line update failed'));
}
