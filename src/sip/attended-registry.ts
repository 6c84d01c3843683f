import type Srf from 'drachtio-srf';
import type { HoldSession } from '../media/types';
import type { CallContext } from './call-context';
import { dialogId } from './srf-extras';

/** An attended park waiting for its transfer: the parker's leg and its reserved orbit. */
export interface AttendedPark {
  readonly reservationId: string;
  readonly orbit: number;
  readonly ctx: CallContext;
  readonly dialog: Srf.Dialog;
  readonly hold: HoldSession;
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
