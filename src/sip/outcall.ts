/**
 * Calling out on behalf of a parked party (ring back to the parker, forward to a fallback URI):
 * INVITE the target with C's session description, and once answered re-INVITE C with the
 * target's answer and bridge the two. The pending INVITE is registered on C's teardown and can
 * be canceled by a fallback.
 */
import type pino from 'pino';
import type Srf from 'drachtio-srf';
import { bridgeLegs } from './bridge';
import { showParkedParty } from './connected-party';
import type { ParkedLeg, PendingOutcall } from './parked-leg';
import type { ParkRuntime } from './runtime';
import { asSentRequest, isSipError, type SentRequest, hangUp } from './srf-extras';

export interface OutcallSpec {
  /** For logs: `parker` or `forward target`. */
  readonly name: string;
  readonly uri: string;
  readonly headers: Record<string, string>;
}

export type OutcallResult =
  | { readonly outcome: 'answered'; readonly dialog: Srf.Dialog }
  | { readonly outcome: 'failed'; readonly status?: number }
  | { readonly outcome: 'canceled' };

/** An INVITE on its way; `cancel()` sends CANCEL as soon as (or once) it has been sent. */
export class PendingInvite implements PendingOutcall {
  private request?: SentRequest;
  private canceledFlag = false;

  constructor(private readonly log: pino.Logger) {}

  get canceled(): boolean {
    return this.canceledFlag;
  }

  sent(req: Srf.SrfRequest): void {
    this.request = asSentRequest(req);
    if (this.canceledFlag) this.sendCancel();
  }

  cancel(): void {
    if (this.canceledFlag) return;
    this.canceledFlag = true;
    this.sendCancel();
  }

  private sendCancel(): void {
    try {
      this.request?.cancel();
    } catch (err) {
      // already answered or finished: nothing left to cancel
      this.log.debug({ err }, 'CANCEL not sent');
    }
  }
}

/** INVITE `spec.uri` offering C's SDP; resolves with the answered dialog or why not. */
export async function placeOutcall(rt: ParkRuntime, leg: ParkedLeg, spec: OutcallSpec): Promise<OutcallResult> {
  const pending = new PendingInvite(leg.ctx.log);
  leg.outcall = pending;
  const registration = leg.ctx.teardown.add('dialog', `INVITE to ${spec.name}`, () => pending.cancel());
  try {
    const dialog = await rt.srf.createUAC(
      spec.uri,
      { localSdp: leg.remoteSdp, headers: spec.headers, proxy: rt.config.sip.outboundProxy },
      // srf calls cbRequest(err, req), although its typings say cbRequest(req).
      { cbRequest: ((err: unknown, req?: Srf.SrfRequest) => {
        if (!err && req) pending.sent(req);
      }) as unknown as (req: Srf.SrfRequest) => void },
    );
    registration.forget();
    if (pending.canceled || leg.ctx.teardown.done) {
      // Answered in the same instant as a CANCEL or a hang-up: end it at once.
      await hangUp(dialog).catch(() => undefined);
      return { outcome: 'canceled' };
    }
    return { outcome: 'answered', dialog };
  } catch (err) {
    registration.forget();
    if (pending.canceled) return { outcome: 'canceled' };
    return { outcome: 'failed', status: isSipError(err) ? err.status : undefined };
  } finally {
    if (leg.outcall === pending) leg.outcall = undefined;
  }
}

/**
 * C is re-INVITEd with the answered party's SDP, its music released, both bridged on C's
 * teardown, and the answered party's display updated with C (connected line). False (and everything torn down) when C refuses.
 */
export async function connectToParkedLeg(rt: ParkRuntime, leg: ParkedLeg, name: string, dialog: Srf.Dialog): Promise<boolean> {
  const registration = leg.ctx.teardown.add('dialog', `${name} dialog`, () => hangUp(dialog));
  try {
    await leg.dialog.modify(dialog.remote.sdp);
  } catch (err) {
    leg.ctx.log.error({ err }, `parked party refused the re-INVITE to connect the ${name}; ending the call`);
    await leg.ctx.teardown.run();
    return false;
  }
  await leg.releaseHold();
  bridgeLegs(
    leg.ctx,
    { name: 'parked party', dialog: leg.dialog, registration: leg.dialogRegistration },
    { name, dialog, registration },
  );
  showParkedParty(rt, leg, dialog);
  return true;
}
