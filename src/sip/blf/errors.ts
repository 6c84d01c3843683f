/** Refusals of a busy-lamp SUBSCRIBE, each mapped to its RFC 6665 response by `blfRefusal`. */
import { MalformedHeaderError } from '../name-addr';

/** The subscriber may not watch this orbit or lot (no policy, park not allowed, another policy's orbit). */
export class BlfForbiddenError extends Error {
  override readonly name = 'BlfForbiddenError';
  constructor(readonly subscriber: string, readonly target: string) {
    super(`${subscriber} may not watch ${target}`);
  }
}

/** RFC 6665 §4.2.1.1: only the `dialog` event package is served on park resources. */
export class BadEventError extends Error {
  override readonly name = 'BadEventError';
  constructor(readonly event: string) {
    super(`event package "${event}" is not supported on park resources`);
  }
}

/** RFC 6665 §4.2.1.1: a non-zero Expires below our minimum gets 423 with Min-Expires. */
export class IntervalTooBriefError extends Error {
  override readonly name = 'IntervalTooBriefError';
  constructor(readonly minExpires: number) {
    super(`Expires below ${minExpires} s`);
  }
}

/** The Accept header rules out application/dialog-info+xml (RFC 6665 §4.2.1.1: 406). */
export class NotAcceptableError extends Error {
  override readonly name = 'NotAcceptableError';
  constructor() {
    super('subscriber does not accept application/dialog-info+xml');
  }
}

/** The BLF service is stopping. */
export class BlfStoppingError extends Error {
  override readonly name = 'BlfStoppingError';
  constructor() {
    super('busy lamps are shutting down');
  }
}

export interface BlfRefusal {
  readonly status: number;
  readonly reason: string;
  readonly headers: Readonly<Record<string, string>>;
}

export function blfRefusal(err: unknown): BlfRefusal {
  if (err instanceof BlfForbiddenError) return { status: 403, reason: 'Not in this park group', headers: {} };
  if (err instanceof BadEventError) return { status: 489, reason: 'Bad Event', headers: { 'Allow-Events': 'dialog' } };
  if (err instanceof IntervalTooBriefError) return { status: 423, reason: 'Interval Too Brief', headers: { 'Min-Expires': String(err.minExpires) } };
  if (err instanceof NotAcceptableError) return { status: 406, reason: 'Not Acceptable', headers: { Accept: 'application/dialog-info+xml' } };
  if (err instanceof MalformedHeaderError) return { status: 400, reason: `Bad ${err.header} header`, headers: {} };
  if (err instanceof BlfStoppingError) return { status: 503, reason: 'Busy lamps shutting down', headers: {} };
  return { status: 500, reason: 'Subscription failed', headers: {} };
}
