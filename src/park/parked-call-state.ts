/**
 * The parked-call states and the only edges between them (DESIGN §5):
 *
 *   reserved ──▶ parked ──▶ retrieving ──▶ bridged ──▶ ended
 *      │          │  ▲ ◀────────┘ (retrieval failed)
 *      │          │  └──────────────┐ (repark)
 *      │          └──▶ ringingBack ─┴▶ bridged | fallback ──▶ ended
 *      └──────────────────────────────────────────────────────▶ ended   (any live state can end)
 */

export type ParkedCallState = 'reserved' | 'parked' | 'retrieving' | 'ringingBack' | 'bridged' | 'fallback' | 'ended';

/** Why a parked call ended; written exactly once. */
export type EndReason =
  /** A retriever was bridged to the parked party. */
  | 'retrieved'
  /** The parker answered ring back and was bridged. */
  | 'ringbackAnswered'
  /** The parked party hung up. */
  | 'parkedPartyHungUp'
  /** The parker hung up before completing an attended park; the reservation was released. */
  | 'parkerAbandoned'
  /** A reservation was never completed within the reservation timeout. */
  | 'reservationExpired'
  /** Ring back was not answered and the fallback hung up. */
  | 'fallbackHangup'
  /** Ring back was not answered and the call was handed to the fallback URI. */
  | 'forwarded'
  /** An operator hung up the call. */
  | 'adminHangup'
  /** The service stopped with the call still parked. */
  | 'shutdown'
  /** Something broke (a transport failure reported by the app). */
  | 'error';

export const ALLOWED_EDGES: Readonly<Record<ParkedCallState, readonly ParkedCallState[]>> = {
  reserved: ['parked', 'ended'],
  parked: ['retrieving', 'ringingBack', 'ended'],
  retrieving: ['bridged', 'parked', 'ended'],
  ringingBack: ['bridged', 'fallback', 'parked', 'ended'],
  bridged: ['ended'],
  fallback: ['ended'],
  ended: [],
};

export function isAllowedEdge(from: ParkedCallState, to: ParkedCallState): boolean {
  return ALLOWED_EDGES[from].includes(to);
}

/** States in which the call holds its orbit. */
export function holdsOrbit(state: ParkedCallState): boolean {
  return state === 'reserved' || state === 'parked' || state === 'retrieving' || state === 'ringingBack';
}
