/**
 * What drachtio-srf 5.0.29 does at runtime but its bundled typings leave out, declared once
 * here so the rest of src/sip stays free of casts.
 */
import Srf from 'drachtio-srf';

/** A non-2xx final response to a request we sent (`err.status`). */
export interface SipErrorInstance extends Error {
  readonly status: number;
  readonly reason?: string;
}

type SipErrorClass = new (status: number, reason?: string) => SipErrorInstance;

const runtime = Srf as unknown as { SipError: SipErrorClass };

/** drachtio-srf's SipError class, for instanceof checks. */
export const SipError: SipErrorClass = runtime.SipError;

export function isSipError(err: unknown): err is SipErrorInstance {
  return err instanceof SipError;
}

/** Srf methods missing from the typings. */
export interface SrfDialogLookup {
  findDialogByCallIDAndFromTag(callId: string, fromTag: string): Srf.Dialog | undefined;
}

export function dialogLookup(srf: Srf): SrfDialogLookup {
  return srf as unknown as SrfDialogLookup;
}

/** drachtio's id of a dialog: `<Call-ID>;from-tag=<From tag of the dialog-creating request>`. */
export function dialogId(dialog: Srf.Dialog): string {
  return (dialog as unknown as { id: string }).id;
}
