/**
 * The SUBSCRIBE middleware for busy lamps (DESIGN §4.7, RFC 6665 + RFC 4235). SUBSCRIBEs for
 * anything but a park resource go on down the srf chain (in B2BUA mode: upstream); ours are
 * authorized, accepted, and handed to the subscription manager with their dialog as the sink.
 */
import type pino from 'pino';
import type Srf from 'drachtio-srf';
import type { PolicyBook } from '../../park';
import { callerIdentity, type TrustedPeers } from '../identity';
import { dialledTarget } from '../invite-middleware';
import { authorizeResource, blfTargetCode, isParkResource, type TargetLookup } from './blf-target';
import { DIALOG_INFO_CONTENT_TYPE } from './dialog-info';
import { DialogNotifySink } from './dialog-sink';
import { BadEventError, BlfStoppingError, blfRefusal, NotAcceptableError } from './errors';
import { grantExpires, type ExpiresLimits } from './expires';
import type { SubscriptionManager } from './subscription-manager';

export interface SubscribeHandlerDeps {
  readonly srf: Srf;
  readonly policies: PolicyBook;
  readonly lookup: TargetLookup;
  readonly trusted: TrustedPeers;
  readonly manager: SubscriptionManager;
  readonly limits: ExpiresLimits;
  readonly log: pino.Logger;
  isStopping(): boolean;
}

type Next = (err?: unknown) => void;

/** The event package token of an Event header (`dialog;id=1` → `dialog`). */
export function eventPackage(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function acceptsDialogInfo(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((type) => {
    const media = type.split(';')[0]!.trim().toLowerCase();
    return media === DIALOG_INFO_CONTENT_TYPE || media === 'application/*' || media === '*/*';
  });
}

async function accept(deps: SubscribeHandlerDeps, req: Srf.SrfRequest, res: Srf.SrfResponse, code: string, log: pino.Logger): Promise<void> {
  if (deps.isStopping()) throw new BlfStoppingError();
  const event = req.get('Event') ?? '';
  if (eventPackage(event) !== 'dialog') throw new BadEventError(eventPackage(event));
  if (!acceptsDialogInfo(req.get('Accept'))) throw new NotAcceptableError();
  const subscriber = callerIdentity(req, deps.trusted);
  const resource = authorizeResource(deps.policies, deps.lookup.extension, subscriber.uri, code);
  const expires = grantExpires(req.get('Expires'), deps.limits);
  const subLog = log.child({ subscriber: subscriber.aor, resource: code, lot: resource.lot });

  // DEVIATION: srf's createUAS answers a SUBSCRIBE 202; RFC 6665 §4.2.1.1 says 200, and its §8.3.1
  // has subscribers treat the two alike. In-dialog refreshes are answered 200.
  const dialog = await deps.srf.createUAS(req, res, { headers: { Expires: String(expires) } } as unknown as Srf.CreateUASOptions);
  const sink = new DialogNotifySink(dialog, event);
  const sub = deps.manager.add({ resource, entity: req.uri, expires, sink, log: subLog });
  subLog.info({ expires }, expires === 0 ? 'busy-lamp fetch' : 'busy-lamp subscription accepted');

  sink.onRefresh((refresh, refreshRes) => {
    try {
      const granted = grantExpires(refresh.get('Expires'), deps.limits);
      refreshRes.send(200, { headers: { Expires: String(granted) } });
      deps.manager.refresh(sub, granted);
    } catch (err) {
      const refusal = blfRefusal(err);
      refreshRes.send(refusal.status, refusal.reason, { headers: refusal.headers });
    }
  });
  sink.onUnsubscribe(() => {
    subLog.info('unsubscribed');
    deps.manager.unsubscribe(sub);
  });
  sink.onDestroy(() => deps.manager.drop(sub));
}

/** srf middleware for SUBSCRIBE: `srf.use('subscribe', subscribeMiddleware(deps))`. */
export function subscribeMiddleware(deps: SubscribeHandlerDeps): (req: Srf.SrfRequest, res: Srf.SrfResponse, next: Next) => void {
  return (req, res, next) => {
    const code = blfTargetCode(dialledTarget(req));
    if (!isParkResource(deps.lookup, code)) {
      next();
      return;
    }
    const log = deps.log.child({ callId: req.get('Call-ID') });
    accept(deps, req, res, code, log).catch((err: unknown) => {
      const refusal = blfRefusal(err);
      log.info({ status: refusal.status, err }, `SUBSCRIBE refused: ${refusal.status} ${refusal.reason}`);
      if (!res.finalResponseSent) res.send(refusal.status, refusal.reason, { headers: refusal.headers });
    });
  };
}
