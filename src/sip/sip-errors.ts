/**
 * The one place where typed errors become SIP final responses (checked with instanceof, never
 * by message text). Every refusal is also one log line on the call's logger.
 */
import type pino from 'pino';
import type Srf from 'drachtio-srf';
import {
  AlreadyRetrievingError,
  LotFullError,
  NotInParkGroupError,
  OrbitEmptyError,
  OrbitOccupiedError,
  OrbitOutOfRangeError,
  ParkDrainingError,
  ParkedCallNotFoundError,
  ParkNotAllowedError,
  ParkStateError,
  RetrievalBlockedError,
} from '../park';
import { InvalidSdpError, MediaUnavailableError, NoCommonCodecError } from '../media/types';
import { OverloadedError } from './admission';
import { CallCanceledError } from './call-context';
import { AppStoppingError, NotParkTargetError, OfferRequiredError, ParkedPartyRefusedError, ReplacedDialogNotFoundError } from './errors';
import { MalformedHeaderError } from './name-addr';

export interface SipRefusal {
  readonly status: number;
  readonly reason: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Expected refusals (a busy orbit) log at info; our own failures at warn or error. */
  readonly level: 'info' | 'warn' | 'error';
}

function refusal(status: number, reason: string, level: SipRefusal['level'] = 'info', headers: Record<string, string> = {}): SipRefusal {
  return { status, reason, headers, level };
}

/** The response an error calls for, or undefined when none is owed (the caller canceled). */
export function refusalFor(err: unknown): SipRefusal | undefined {
  if (err instanceof CallCanceledError) return undefined;
  if (err instanceof RetrievalBlockedError) {
    return refusal(403, err.reasonText, 'warn', { 'Retry-After': String(Math.max(1, Math.ceil(err.retryAfterSeconds))) });
  }
  if (err instanceof ParkNotAllowedError || err instanceof NotInParkGroupError) return refusal(403, err.reasonText);
  if (err instanceof OrbitEmptyError || err instanceof OrbitOutOfRangeError) return refusal(404, err.reasonText);
  // The call is there, just taken for the moment (ringing back or being picked up): Busy, not "not found".
  if (err instanceof AlreadyRetrievingError) return refusal(486, err.reasonText);
  if (err instanceof ParkStateError || err instanceof ParkedCallNotFoundError) {
    return refusal(404, err.reasonText);
  }
  if (err instanceof OrbitOccupiedError) return refusal(486, err.reasonText);
  if (err instanceof LotFullError) {
    return refusal(503, err.reasonText, 'warn', { 'Retry-After': String(Math.max(1, Math.ceil(err.retryAfterSeconds))) });
  }
  if (err instanceof OverloadedError) {
    return refusal(503, err.reasonText, 'warn', { 'Retry-After': String(Math.max(1, Math.ceil(err.retryAfterSeconds))) });
  }
  if (err instanceof ParkDrainingError) return refusal(503, err.reasonText);
  if (err instanceof AppStoppingError) return refusal(503, 'Call park is shutting down');
  if (err instanceof NoCommonCodecError) return refusal(488, 'No common codec');
  if (err instanceof InvalidSdpError) return refusal(488, 'Unusable SDP offer');
  if (err instanceof OfferRequiredError) return refusal(488, 'SDP offer required');
  if (err instanceof MediaUnavailableError) return refusal(503, 'Media unavailable', 'error');
  if (err instanceof MalformedHeaderError) return refusal(400, `Bad ${err.header} header`);
  if (err instanceof ReplacedDialogNotFoundError) return refusal(481, 'No dialog to replace');
  if (err instanceof NotParkTargetError) return refusal(404, 'Not a park extension or orbit');
  if (err instanceof ParkedPartyRefusedError) {
    return err.status === 488 || err.status === 606
      ? refusal(488, 'Parked party cannot use this media', 'warn')
      : refusal(480, 'Parked party unavailable', 'warn');
  }
  return refusal(500, 'Call park failed', 'error');
}

/**
 * Answer `res` with the refusal `err` calls for, unless a final response went out already,
 * and log it once. Returns the status sent, if any.
 */
export function refuse(res: Srf.SrfResponse, err: unknown, log: pino.Logger): number | undefined {
  const answer = refusalFor(err);
  if (answer === undefined) {
    log.info('caller canceled');
    return undefined;
  }
  const line = `refused: ${answer.status} ${answer.reason}`;
  if (answer.level === 'info') log.info({ status: answer.status }, line);
  // A stack only helps with our own failures; a refusal the caller earned (blocked, lot full) is
  // logged with its message alone, which also keeps a flood of them cheap.
  else if (answer.level === 'warn') log.warn({ status: answer.status, detail: err instanceof Error ? err.message : String(err) }, line);
  else log.error({ status: answer.status, err }, line);
  if (res.finalResponseSent) return undefined;
  res.send(answer.status, answer.reason, { headers: answer.headers });
  return answer.status;
}
