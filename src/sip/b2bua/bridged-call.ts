/**
 * A call bridged through callpark in B2BUA mode: two dialogs, SDP passed through untouched, and
 * every in-dialog request relayed leg to leg. REFERs are handed to `onRefer` first (callpark may
 * answer a park REFER itself). `unwire()` stops relaying so one leg can be parked alone.
 */
import type Srf from 'drachtio-srf';
import type { CallContext } from '../call-context';
import type { SipIdentity } from '../identity';
import { hasSdp } from '../sdp';
import { isSipError } from '../srf-extras';
import type { Registration } from '../teardown';
import { relayableHeaders, sendInDialog, type RelayedMethod } from './dialog-requests';

export interface CallLeg {
  /** For logs: `caller` or `callee`. */
  readonly name: string;
  readonly dialog: Srf.Dialog;
  /** Who is on this leg (From of an incoming INVITE, To or PAI of an outgoing one). */
  readonly party: SipIdentity;
  /** The dialog's registration on the call's teardown. */
  readonly registration: Registration;
}

export type ReferHandler = (call: BridgedCall, from: CallLeg, req: Srf.SrfRequest, res: Srf.SrfResponse) => void;

const RELAYED_HEADERS = ['Content-Type', 'Event', 'Subscription-State', 'Refer-To', 'Referred-By', 'Refer-Sub', 'Replaces', 'P-Asserted-Identity', 'Reason'];

/** Events srf emits per in-dialog method, and the method we send on the other leg. */
const RELAYS: ReadonlyArray<readonly [string, RelayedMethod]> = [
  ['info', 'INFO'],
  ['message', 'MESSAGE'],
  ['notify', 'NOTIFY'],
  ['update', 'UPDATE'],
  ['options', 'OPTIONS'],
];

export class BridgedCall {
  private wiring?: Registration;

  constructor(
    readonly ctx: CallContext,
    readonly a: CallLeg,
    readonly b: CallLeg,
    private readonly onRefer: ReferHandler,
  ) {}

  other(leg: CallLeg): CallLeg {
    return leg === this.a ? this.b : this.a;
  }

  /** Relay everything between the legs; either leg hanging up ends the call. */
  wire(): void {
    const removers: Array<() => void> = [];
    for (const from of [this.a, this.b]) {
      const to = this.other(from);
      const emitter = from.dialog as unknown as NodeJS.EventEmitter;
      const on = (event: string, handler: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void): void => {
        const listener = (...args: unknown[]): void => handler(args[0] as Srf.SrfRequest, args[1] as Srf.SrfResponse);
        emitter.on(event, listener);
        removers.push(() => void emitter.removeListener(event, listener));
      };
      on('destroy', () => {
        from.registration.forget();
        this.ctx.log.info(`${from.name} hung up, ending ${to.name}`);
        void this.ctx.teardown.run();
      });
      on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => this.relayReinvite(from, to, req, res));
      on('refer', (req: Srf.SrfRequest, res: Srf.SrfResponse) => this.onRefer(this, from, req, res));
      for (const [event, method] of RELAYS) {
        on(event, (req: Srf.SrfRequest, res: Srf.SrfResponse) => this.relay(method, from, to, req, res));
      }
    }
    this.wiring = this.ctx.teardown.add('listener', 'bridge relays', () => removers.splice(0).forEach((remove) => remove()));
  }

  async unwire(): Promise<void> {
    await this.wiring?.release();
    this.wiring = undefined;
  }

  /** Relay a REFER that is not for callpark; the far side's NOTIFYs come back through `relay`. */
  relayRefer(from: CallLeg, req: Srf.SrfRequest, res: Srf.SrfResponse): void {
    this.relay('REFER', from, this.other(from), req, res);
  }

  private relayReinvite(from: CallLeg, to: CallLeg, req: Srf.SrfRequest, res: Srf.SrfResponse): void {
    if (!hasSdp(req.body)) {
      // RFC 3261 §14.2: an offerless re-INVITE gets our current session as the offer.
      res.send(200, { body: from.dialog.local.sdp, headers: { 'Content-Type': 'application/sdp' } });
      return;
    }
    to.dialog
      .modify(req.body)
      .then((answer) => res.send(200, { body: answer, headers: { 'Content-Type': 'application/sdp' } }))
      .catch((err: unknown) => {
        const status = isSipError(err) ? err.status : 500;
        this.ctx.log.info({ status }, `re-INVITE from ${from.name} refused by ${to.name}`);
        res.send(status >= 400 ? status : 500);
      });
  }

  private relay(method: RelayedMethod, from: CallLeg, to: CallLeg, req: Srf.SrfRequest, res: Srf.SrfResponse): void {
    sendInDialog(to.dialog, { method, headers: relayableHeaders(req, RELAYED_HEADERS), body: req.body || undefined })
      .then((answer) =>
        res.send(answer.status, answer.reason, {
          headers: relayableHeaders(answer, ['Content-Type', 'Allow', 'Supported']),
          body: answer.body || undefined,
        }),
      )
      .catch((err: unknown) => {
        this.ctx.log.info({ err, method }, `${method} from ${from.name} not delivered to ${to.name}`);
        if (!res.finalResponseSent) res.send(isSipError(err) ? err.status : 500);
      });
  }
}
