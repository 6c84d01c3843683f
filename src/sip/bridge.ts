/**
 * Two dialogs joined by callpark's signalling (media flows directly): BYE, re-INVITE and INFO
 * from one leg are relayed to the other. Listeners are registered on the call's teardown, and
 * either leg hanging up runs that teardown, which hangs up the other.
 */
import type Srf from 'drachtio-srf';
import type { CallContext } from './call-context';
import { hasSdp } from './sdp';
import { isSipError, requestInDialog } from './srf-extras';
import type { Registration } from './teardown';

export interface BridgeLeg {
  readonly name: string;
  readonly dialog: Srf.Dialog;
  /** The leg's dialog registration on the call's teardown (forgotten when the leg hangs up). */
  readonly registration: Registration;
}

export interface BridgeOptions {
  /**
   * Relay offers leg to leg (default). False when the media is anchored on a media server: each
   * leg talks to its own endpoint there, so a re-INVITE is answered with that leg's session as is.
   */
  readonly relayOffers?: boolean;
}

function relayReinvite(ctx: CallContext, from: BridgeLeg, to: BridgeLeg, relayOffers: boolean) {
  return (req: Srf.SrfRequest, res: Srf.SrfResponse): void => {
    if (!hasSdp(req.body) || !relayOffers) {
      // A re-INVITE without an offer (RFC 3261 §14.2), or one we do not relay, is answered with our current session.
      res.send(200, { body: from.dialog.local.sdp, headers: { 'Content-Type': 'application/sdp' } });
      return;
    }
    to.dialog
      .modify(req.body)
      .then((answer) => res.send(200, { body: answer, headers: { 'Content-Type': 'application/sdp' } }))
      .catch((err: unknown) => {
        const status = isSipError(err) ? err.status : 500;
        ctx.log.info({ status }, `re-INVITE from ${from.name} refused by ${to.name}`);
        res.send(status >= 400 ? status : 500);
      });
  };
}

function relayInfo(ctx: CallContext, from: BridgeLeg, to: BridgeLeg) {
  return (req: Srf.SrfRequest, res: Srf.SrfResponse): void => {
    const headers: Record<string, string> = {};
    const contentType = req.get('Content-Type');
    if (contentType) headers['Content-Type'] = contentType;
    requestInDialog(to.dialog, { method: 'INFO', headers, body: req.body })
      .then((answer) => res.send(answer.status))
      .catch((err: unknown) => {
        ctx.log.info({ err }, `INFO from ${from.name} not delivered to ${to.name}`);
        res.send(isSipError(err) ? err.status : 500);
      });
  };
}

export function bridgeLegs(ctx: CallContext, a: BridgeLeg, b: BridgeLeg, options: BridgeOptions = {}): void {
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    const onBye = (): void => {
      from.registration.forget();
      ctx.log.info(`${from.name} hung up, ending ${to.name}`);
      void ctx.teardown.run();
    };
    const onModify = relayReinvite(ctx, from, to, options.relayOffers ?? true);
    const onInfo = relayInfo(ctx, from, to);
    from.dialog.on('destroy', onBye);
    from.dialog.on('modify', onModify);
    from.dialog.on('info', onInfo);
    ctx.teardown.add('listener', `${from.name} relay listeners`, () => {
      from.dialog.removeListener('destroy', onBye);
      from.dialog.removeListener('modify', onModify);
      from.dialog.removeListener('info', onInfo);
    });
  }
}
