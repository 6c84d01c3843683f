/**
 * What drachtio-srf 5.0.29 does at runtime but its bundled typings leave out, declared once
 * here so the rest of src/sip stays free of casts.
 */
import Srf from 'drachtio-srf';

/** A non-2xx final response to a request we sent (`err.status`). */
export interface SipErrorInstance extends Error {
  readonly status: number;
  readonly reason?: string;
}

type SipErrorClass = new (status: number, reason?: string) => SipErrorInstance;

const runtime = Srf as unknown as { SipError: SipErrorClass };

/** drachtio-srf's SipError class, for instanceof checks. */
export const SipError: SipErrorClass = runtime.SipError;

export function isSipError(err: unknown): err is SipErrorInstance {
  return err instanceof SipError;
}

/** Srf methods missing from the typings. */
export interface SrfDialogLookup {
  findDialogByCallIDAndFromTag(callId: string, fromTag: string): Srf.Dialog | undefined;
}

export function dialogLookup(srf: Srf): SrfDialogLookup {
  return srf as unknown as SrfDialogLookup;
}

/** drachtio's id of a dialog: `<Call-ID>;from-tag=<From tag of the dialog-creating request>`. */
export function dialogId(dialog: Srf.Dialog): string {
  return (dialog as unknown as { id: string }).id;
}

/** An out-of-dialog request we sent; its final response arrives as a `response` event. */
export interface SentRequest {
  on(event: 'response', listener: (res: Srf.SrfResponse) => void): void;
  cancel(opts?: { headers?: Record<string, string> }): void;
}

export interface OutOfDialogRequest {
  method: 'MESSAGE' | 'OPTIONS' | 'NOTIFY';
  headers: Record<string, string>;
  body?: string;
  /** Next hop (outbound proxy) as a SIP URI or host[:port]. */
  proxy?: string;
}

interface SrfRequestSender {
  request(uri: string, opts: OutOfDialogRequest, callback: (err: Error | null | undefined, req: SentRequest) => void): void;
}

/**
 * `srf.request()` with the signature it really has (the typings declare another one).
 * `onResponse` is attached in srf's callback, synchronously: the final response can arrive in the
 * same socket read as the engine's confirmation that the request went out, and a listener added
 * after an `await` would miss it.
 */
export function sendRequest(srf: Srf, uri: string, opts: OutOfDialogRequest, onResponse?: (res: Srf.SrfResponse) => void): Promise<SentRequest> {
  return new Promise((resolve, reject) => {
    (srf as unknown as SrfRequestSender).request(uri, opts, (err, req) => {
      if (err) {
        reject(err);
        return;
      }
      if (onResponse) req.on('response', onResponse);
      resolve(req);
    });
  });
}

/** What `cbRequest` of createUAC hands over: the INVITE as sent, which can be canceled. */
export function asSentRequest(req: Srf.SrfRequest): SentRequest {
  return req as unknown as SentRequest;
}

/** An in-dialog request (INFO, MESSAGE…) with the options srf really takes. */
export function requestInDialog(
  dialog: Srf.Dialog,
  opts: { method: 'INFO' | 'MESSAGE' | 'NOTIFY'; headers: Record<string, string>; body?: string },
): Promise<Srf.SrfResponse> {
  return (dialog as unknown as { request(o: typeof opts): Promise<Srf.SrfResponse> }).request(opts);
}

/** Send BYE (dialog.destroy returns a Promise at runtime; the typings say void). */
export function hangUp(dialog: Srf.Dialog): Promise<void> {
  const destroy = dialog.destroy.bind(dialog) as unknown as () => Promise<unknown>;
  return destroy().then(() => undefined);
}

/**
 * The Allow header the far end of `dialog` sent: from its INVITE (we answered) or its 2xx (we
 * called). Decides whether it takes UPDATE.
 */
export function peerAllow(dialog: Srf.Dialog): string | undefined {
  const parts = dialog as unknown as { type?: string; req?: Srf.SrfRequest; res?: Srf.SrfResponse };
  const message = parts.type === 'uas' ? parts.req : parts.res;
  return message?.get('Allow');
}

/** A late-offer INVITE answered 200 with the far end's offer, not yet ACKed (createUAC with noAck). */
export interface UnackedAnswer {
  /** The offer in the 200 OK. */
  readonly sdp: string;
  /** ACK with our answer; resolves with the confirmed dialog. */
  ack(localSdp: string): Promise<Srf.Dialog>;
  /** ACK with the far end's own SDP and BYE at once (the call is abandoned). */
  destroy(): Promise<void>;
}

/**
 * INVITE without SDP (RFC 3261 §13.2.1 late offer): the phone offers in its 200 and we answer in
 * the ACK. srf's createUAC does this with `noAck: true`; its typings only know the Dialog result.
 */
export function inviteLateOffer(
  srf: Srf,
  uri: string,
  opts: { headers: Record<string, string>; proxy?: string },
  onSent: (req: Srf.SrfRequest) => void,
): Promise<UnackedAnswer> {
  const createUac = srf.createUAC.bind(srf) as unknown as (
    uri: string,
    opts: { headers: Record<string, string>; proxy?: string; noAck: true },
    progress: { cbRequest: (err: unknown, req?: Srf.SrfRequest) => void },
  ) => Promise<UnackedAnswer>;
  return createUac(uri, { ...opts, noAck: true }, {
    cbRequest: (err, req) => {
      if (!err && req) onSent(req);
    },
  });
}
