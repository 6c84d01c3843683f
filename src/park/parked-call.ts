/**
 * One parked call (Asterisk's parked_user): who parked whom, where, since when, and why it ended.
 * `transition()` is the only writer of `state`; it is synchronous, so a check and the write that
 * follows cannot be interleaved with another caller (Node's stand-in for res_parking's lock).
 */
import { ParkStateError } from './errors';
import { isAllowedEdge, type EndReason, type ParkedCallState } from './parked-call-state';

export interface ParkerInfo {
  /** Canonical identity (`sip:user@host`). */
  readonly identity: string;
  /** Where to ring the parker back: its Contact when seen, else undefined (ring the identity). */
  readonly contact?: string;
}

export interface ParkedPartyInfo {
  readonly identity: string;
  readonly displayName?: string;
}

/** A read-only copy of a parked call, as carried by events and returned by queries. */
export interface ParkedCallSnapshot {
  readonly id: string;
  readonly state: ParkedCallState;
  readonly orbit: number;
  /** The lot's name, which is its policy's name. */
  readonly lot: string;
  readonly parker: ParkerInfo;
  /** Undefined while only reserved. */
  readonly parked?: ParkedPartyInfo;
  /** The URI to ring back: the parker's contact, else its identity. */
  readonly ringbackTarget: string;
  readonly createdAt: number;
  readonly parkedAt?: number;
  /** When parkTimeout fires (set while parked). */
  readonly ringbackDueAt?: number;
  readonly endedAt?: number;
  readonly ringbackAttempts: number;
  readonly reparks: number;
  readonly endReason?: EndReason;
}

export interface TransitionDetail {
  /** Required when entering `ended`. */
  readonly reason?: EndReason;
}

export class ParkedCall {
  readonly id: string;
  readonly orbit: number;
  readonly lot: string;
  readonly parker: ParkerInfo;
  readonly createdAt: number;
  private currentState: ParkedCallState;
  private parkedParty?: ParkedPartyInfo;
  private parkedAt?: number;
  private endedAt?: number;
  private endReasonValue?: EndReason;
  private ringbackAttemptsValue = 0;
  private reparksValue = 0;
  /** Deadline of the park timer; kept across a failed retrieval so the timer can be re-armed. */
  ringbackDueAt?: number;

  constructor(init: {
    id: string;
    orbit: number;
    lot: string;
    parker: ParkerInfo;
    now: number;
    initialState: 'reserved' | 'parked';
    parked?: ParkedPartyInfo;
  }) {
    if (init.initialState === 'parked' && init.parked === undefined) {
      throw new ParkStateError(init.id, 'parked', 'park without a parked party');
    }
    this.id = init.id;
    this.orbit = init.orbit;
    this.lot = init.lot;
    this.parker = init.parker;
    this.createdAt = init.now;
    this.currentState = init.initialState;
    this.parkedParty = init.parked;
    if (init.initialState === 'parked') this.parkedAt = init.now;
  }

  get state(): ParkedCallState {
    return this.currentState;
  }

  get endReason(): EndReason | undefined {
    return this.endReasonValue;
  }

  get ringbackAttempts(): number {
    return this.ringbackAttemptsValue;
  }

  get reparks(): number {
    return this.reparksValue;
  }

  get parked(): ParkedPartyInfo | undefined {
    return this.parkedParty;
  }

  get ringbackTarget(): string {
    return this.parker.contact ?? this.parker.identity;
  }

  /** Record who was put into a reserved orbit; only meaningful in `reserved`. */
  fillReservation(party: ParkedPartyInfo): void {
    if (this.currentState !== 'reserved') throw new ParkStateError(this.id, this.currentState, 'complete a reservation');
    this.parkedParty = party;
  }

  /**
   * Someone else now sits in the orbit (a late attended transfer replaced the party); only while
   * `parked`. Returns who was there before.
   */
  replaceParty(party: ParkedPartyInfo): ParkedPartyInfo {
    const previous = this.parkedParty;
    if (this.currentState !== 'parked' || previous === undefined) {
      throw new ParkStateError(this.id, this.currentState, 'replace the parked party');
    }
    this.parkedParty = party;
    return previous;
  }

  /** Move to `to` if the edge is allowed, else throw ParkStateError and change nothing. */
  transition(to: ParkedCallState, now: number, detail: TransitionDetail = {}): void {
    const from = this.currentState;
    if (!isAllowedEdge(from, to)) throw new ParkStateError(this.id, from, `go to ${to}`);
    if (to === 'ended' && detail.reason === undefined) throw new ParkStateError(this.id, from, 'end without a reason');
    if (to === 'parked' && this.parkedParty === undefined) throw new ParkStateError(this.id, from, 'park without a parked party');
    this.currentState = to;
    if (to === 'parked' && from === 'reserved') this.parkedAt = now;
    if (to === 'ringingBack') this.ringbackAttemptsValue++;
    if (to === 'parked' && from === 'ringingBack') this.reparksValue++;
    if (to === 'ended') {
      this.endReasonValue = detail.reason;
      this.endedAt = now;
      this.ringbackDueAt = undefined;
    }
  }

  snapshot(): ParkedCallSnapshot {
    return Object.freeze({
      id: this.id,
      state: this.currentState,
      orbit: this.orbit,
      lot: this.lot,
      parker: this.parker,
      parked: this.parkedParty,
      ringbackTarget: this.ringbackTarget,
      createdAt: this.createdAt,
      parkedAt: this.parkedAt,
      ringbackDueAt: this.ringbackDueAt,
      endedAt: this.endedAt,
      ringbackAttempts: this.ringbackAttemptsValue,
      reparks: this.reparksValue,
      endReason: this.endReasonValue,
    });
  }
}
