import type Srf from 'drachtio-srf';
import type { HoldSession } from '../media/types';
import type { CallContext } from './call-context';
import type { ParkedLeg } from './parked-leg';
import type { Registration } from './teardown';
import { dialogId } from './srf-extras';

/** An attended park waiting for its transfer: the parker's leg and its reserved orbit. */
export interface AttendedPark {
  readonly reservationId: string;
  readonly orbit: number;
  readonly ctx: CallContext;
  readonly dialog: Srf.Dialog;
  readonly hold: HoldSession;
  /** The "park the caller itself" timer, once armed after the announcement. */
  waitTimer?: Registration;
}

/** Open reservations by the parker's dialog id (what a Replaces names) and by park id. */
export class AttendedParks {
  private readonly byDialog = new Map<string, AttendedPark>();
  private readonly byReservation = new Map<string, AttendedPark>();

  add(entry: AttendedPark): void {
    this.byDialog.set(dialogId(entry.dialog), entry);
    this.byReservation.set(entry.reservationId, entry);
  }

  remove(entry: AttendedPark): void {
    this.byDialog.delete(dialogId(entry.dialog));
    this.byReservation.delete(entry.reservationId);
  }

  forDialog(dialog: Srf.Dialog): AttendedPark | undefined {
    return this.byDialog.get(dialogId(dialog));
  }

  forReservation(reservationId: string): AttendedPark | undefined {
    return this.byReservation.get(reservationId);
  }

  get size(): number {
    return this.byReservation.size;
  }
}

/**
 * A caller of the park extension without Referred-By that was parked itself (the no-Referred-By
 * workaround). It may still be an attended parker that was slow to press Transfer: its Replaces
 * INVITE then swaps the transferee into the orbit (Asterisk's ParkedCallSwap).
 */
export interface SelfParked {
  readonly leg: ParkedLeg;
  /** The leg's claim on the parked call; forgotten on a swap so that hanging up the parker keeps the call. */
  readonly parkRegistration: Registration;
}

/** Self-parked callers by their dialog id (what a Replaces names). */
export class SelfParkedCallers {
  private readonly byDialog = new Map<string, SelfParked>();

  add(entry: SelfParked): void {
    this.byDialog.set(dialogId(entry.leg.dialog), entry);
  }

  remove(entry: SelfParked): void {
    const id = dialogId(entry.leg.dialog);
    if (this.byDialog.get(id) === entry) this.byDialog.delete(id);
  }

  forDialog(dialog: Srf.Dialog): SelfParked | undefined {
    return this.byDialog.get(dialogId(dialog));
  }

  get size(): number {
    return this.byDialog.size;
  }
}
