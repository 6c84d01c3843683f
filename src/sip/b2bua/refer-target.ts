/** What a REFER asks for, read from Refer-To (RFC 3515 §2.1) and Refer-Sub (RFC 4488). */
import type Srf from 'drachtio-srf';
import { MalformedHeaderError, parseNameAddr } from '../name-addr';

export interface ReferTarget {
  /** The Refer-To URI's user part (`700`, `705`, `1001`). */
  readonly user: string;
  readonly uri: string;
  /** Refer-To carried an embedded Replaces (attended transfer). */
  readonly replaces: boolean;
  /** RFC 4488: the referrer asked for no implicit subscription (no NOTIFYs). */
  readonly noSubscription: boolean;
}

export function readReferTarget(req: Srf.SrfRequest): ReferTarget {
  const value = req.get('Refer-To');
  if (!value) throw new MalformedHeaderError('Refer-To', 'missing');
  const addr = parseNameAddr('Refer-To', value);
  const user = decodeURIComponent(addr.user ?? '').replace(/^park\+/i, '');
  const replaces = /[?&]replaces=/i.test(addr.uri);
  const noSubscription = (req.get('Refer-Sub') ?? '').trim().toLowerCase() === 'false';
  return { user, uri: addr.uri, replaces, noSubscription };
}

/** A REFER callpark answers itself: to the park extension or an orbit code. */
export function isParkRefer(target: ReferTarget, extension: string, isOrbitCode: (code: string) => boolean): boolean {
  return target.user === extension || (/^\d+$/.test(target.user) && isOrbitCode(target.user));
}
