/**
 * Which park resource a SUBSCRIBE names, and whether the subscriber may watch it. Phones write
 * the orbit as `704` or, for park keys, `park+704`; the park extension (`700`) watches the lot.
 */
import type { PolicyBook } from '../../park';
import { BlfForbiddenError } from './errors';
import type { BlfResource } from './orbit-view';

const PARK_PREFIX = /^park\+/i;

/** The orbit or extension code in a Request-URI user part, or undefined when it is not a code. */
export function blfTargetCode(user: string): string | undefined {
  const code = user.replace(PARK_PREFIX, '');
  return /^\d+$/.test(code) ? code : undefined;
}

export interface TargetLookup {
  readonly extension: string;
  isOrbitCode(code: string): boolean;
}

/** Is `code` ours at all (else the SUBSCRIBE is passed on, e.g. proxied upstream in B2BUA mode)? */
export function isParkResource(lookup: TargetLookup, code: string | undefined): code is string {
  return code !== undefined && (code === lookup.extension || lookup.isOrbitCode(code));
}

/**
 * DESIGN §4.7: only users of the policy owning the orbit may watch it. The lot is always the
 * subscriber's own (two policies may reuse the same orbit numbers).
 */
export function authorizeResource(policies: PolicyBook, extension: string, subscriberUri: string, code: string): BlfResource {
  const policy = policies.resolve(subscriberUri);
  if (policy === undefined || !policy.allowCallPark) throw new BlfForbiddenError(subscriberUri, code);
  if (code === extension) return { lot: policy.name };
  const orbit = Number(code);
  if (orbit < policy.pickupRangeStart || orbit > policy.pickupRangeEnd) throw new BlfForbiddenError(subscriberUri, code);
  return { lot: policy.name, orbit };
}
