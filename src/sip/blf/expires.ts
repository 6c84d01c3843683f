/** RFC 6665 §4.2.1.1 subscription duration: what the subscriber asked for, bounded by ours. */
import { MalformedHeaderError } from '../name-addr';
import { IntervalTooBriefError } from './errors';

export interface ExpiresLimits {
  /** Used when the SUBSCRIBE has no Expires (RFC 4235 §3.2 suggests 3600). */
  readonly defaultExpires: number;
  /** Shorter non-zero requests get 423 with Min-Expires. */
  readonly minExpires: number;
  /** Longer requests are shortened to this. */
  readonly maxExpires: number;
}

export const DEFAULT_EXPIRES_LIMITS: ExpiresLimits = { defaultExpires: 3600, minExpires: 60, maxExpires: 3600 };

/** The granted duration in seconds; 0 means a fetch or an unsubscribe. */
export function grantExpires(header: string | undefined, limits: ExpiresLimits): number {
  if (header === undefined || header.trim() === '') return Math.min(limits.defaultExpires, limits.maxExpires);
  const text = header.trim();
  if (!/^\d+$/.test(text)) throw new MalformedHeaderError('Expires', `not a number of seconds: ${text}`);
  const requested = Number(text);
  if (requested === 0) return 0;
  if (requested < limits.minExpires) throw new IntervalTooBriefError(limits.minExpires);
  return Math.min(requested, limits.maxExpires);
}
