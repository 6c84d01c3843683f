/**
 * The middleware chain for a new INVITE, in order: call context and logger, CANCEL watch,
 * identity, transfer headers (Referred-By, Replaces), policy, route. Each step is small and
 * named; a step that throws ends the chain and the error becomes the response (sip-errors).
 */
import type Srf from 'drachtio-srf';
import type { HoldSound } from '../media/types';
import type { CallContext } from './call-context';
import { callerIdentity, referrerIdentity, type SipIdentity } from './identity';
import { MalformedHeaderError } from './name-addr';
import { parseReplaces, type ReplacesTarget } from './replaces';
import type { ParkRuntime } from './runtime';

/** Which flow an INVITE asks for (DESIGN §4). */
export type InviteRoute =
  | { readonly flow: 'blind-park' }
  | { readonly flow: 'attended-park' }
  | { readonly flow: 'attended-complete'; readonly replaces: ReplacesTarget }
  | { readonly flow: 'directed-park'; readonly orbit: number }
  | { readonly flow: 'retrieve'; readonly orbit: number }
  | { readonly flow: 'not-ours'; readonly target: string };

export interface InboundInvite {
  readonly req: Srf.SrfRequest;
  readonly res: Srf.SrfResponse;
  readonly ctx: CallContext;
  /** Who sent the INVITE (PAI from trusted peers, else From). */
  readonly caller: SipIdentity;
  /** The transferor, when the INVITE results from a transfer. */
  readonly referrer?: SipIdentity;
  readonly route: InviteRoute;
  /** What the parked party hears, from the policy of whoever parks. */
  readonly holdSound: HoldSound;
}

/** User part of the Request-URI: the extension or orbit dialled. */
export function dialledTarget(req: Srf.SrfRequest): string {
  const match = /^sips?:([^@;?]+)@/i.exec(req.uri.trim());
  if (!match) return '';
  return decodeURIComponent(match[1]!);
}

function watchCancel(req: Srf.SrfRequest, ctx: CallContext): void {
  req.on('cancel', () => {
    ctx.markCanceled();
    ctx.log.info('CANCEL received');
  });
}

function readReplaces(req: Srf.SrfRequest): ReplacesTarget | undefined {
  if (!req.has('Replaces')) return undefined;
  const value = req.get('Replaces');
  if (!value) throw new MalformedHeaderError('Replaces', 'empty');
  return parseReplaces(value);
}

function routeFor(rt: ParkRuntime, target: string, referrer: SipIdentity | undefined, replaces: ReplacesTarget | undefined): InviteRoute {
  if (target === rt.config.park.extension) {
    if (replaces) return { flow: 'attended-complete', replaces };
    return referrer ? { flow: 'blind-park' } : { flow: 'attended-park' };
  }
  if (/^\d+$/.test(target) && rt.park.isOrbitCode(target)) {
    const orbit = Number(target);
    return referrer ? { flow: 'directed-park', orbit } : { flow: 'retrieve', orbit };
  }
  return { flow: 'not-ours', target };
}

/** Run the chain for a new INVITE. Throws typed errors only. */
export function prepareInvite(rt: ParkRuntime, req: Srf.SrfRequest, res: Srf.SrfResponse, ctx: CallContext): InboundInvite {
  watchCancel(req, ctx);
  const caller = callerIdentity(req, rt.trusted);
  const referrer = referrerIdentity(req);
  const replaces = readReplaces(req);
  const target = dialledTarget(req);
  const route = routeFor(rt, target, referrer, replaces);
  // The policy of whoever parks: what the parked party hears.
  const policy = rt.park.policies.resolve((referrer ?? caller).uri);
  ctx.log.info({ flow: route.flow, caller: caller.aor, referrer: referrer?.aor, policy: policy?.name, target }, `INVITE for ${route.flow}`);
  return { req, res, ctx, caller, referrer, route, holdSound: policy?.holdSound ?? 'music' };
}
