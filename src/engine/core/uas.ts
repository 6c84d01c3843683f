/**
 * The engine as UAS for apps (wire protocol §4): hands network requests to the owning or routed
 * app (S1/S2), matches ACKs to answered INVITEs, handles CANCEL, and answers for apps that vanish.
 */
import type pino from 'pino';
import { inDialogTokens, meta6, newRequestTokens, quickCancelTokens } from '../control/leader';
import type { AppConnection } from '../control/types';
import type { SipRequest } from '../message/sip-message';
import type { ServerTransaction } from '../transaction/types';
import type { Source } from '../transport/types';
import { tagOf } from './addressing';
import { detach, guarded, unrefTimer, type CoreContext } from './context';
import type { Dialog } from './dialog';
import { newTag } from '../message/ids';
import { newTransactionId } from './ids';
import { IncomingRequests, type IncomingRequest } from './incoming';
import { cancelRequestFor } from './cancel-request';
import { buildResponse, cseqOf } from './responses';
import { fixContentLength, formatSipText } from './sip-text';

export function networkMeta(text: string, source: Source): string[] {
  return meta6({
    source: 'network',
    bytes: Buffer.byteLength(text),
    protocol: source.protocol,
    address: source.address,
    port: source.port,
  });
}

export class UserAgentServer {
  readonly incoming = new IncomingRequests();
  private readonly log: pino.Logger;

  constructor(private readonly context: CoreContext) {
    this.log = context.log.child({ part: 'uas' });
  }

  /** Answers a request without the app (481, 503, 403 …), with a To-tag on non-100 responses. */
  respondLocally(transaction: ServerTransaction, request: SipRequest, status: number, reason: string, headers: Readonly<Record<string, string>> = {}): void {
    const response = buildResponse(request, status, reason, status === 100 ? undefined : newTag());
    for (const [name, value] of Object.entries(headers)) response.set(name, value);
    fixContentLength(response);
    detach(this.log, `local ${status} response`, transaction.respond(response));
  }

  /** S1 (new request) or S2 (inside `dialog`) to `owner`; the app answers with the TXN given here. */
  forward(request: SipRequest, source: Source, transaction: ServerTransaction, owner: AppConnection, dialog?: Dialog): void {
    const entry: IncomingRequest = {
      transactionId: newTransactionId(),
      request,
      source,
      serverTransaction: transaction,
      owner,
      isNew: dialog === undefined,
      dialogId: dialog?.id ?? '',
      localTag: undefined,
      anyResponseSent: false,
      pendingTimer: undefined,
      reliableProvisionals: new Map(),
    };
    entry.pendingTimer = unrefTimer(
      setTimeout(
        guarded(this.log, 'pending request timeout', () => this.onPendingTimeout(entry)),
        this.context.settings.pendingRequestTimeoutMs,
      ),
    );
    this.incoming.add(entry);
    const text = formatSipText(request);
    const meta = networkMeta(text, source);
    const tokens =
      dialog === undefined
        ? newRequestTokens(meta, entry.transactionId, source.localAddress, source.localPort)
        : inDialogTokens(meta, entry.transactionId, dialog.id);
    owner.push(tokens, text);
  }

  /**
   * DEVIATION: drachtio-server silently forgets a request the app has not answered in 64 s
   * (server#132); the engine answers 500 so that the caller is not left hanging.
   */
  private onPendingTimeout(entry: IncomingRequest): void {
    entry.pendingTimer = undefined;
    if (this.incoming.get(entry.transactionId) !== entry) return;
    if (entry.anyResponseSent) {
      this.onNoFinalResponse(entry);
      return;
    }
    this.log.warn({ method: entry.request.method, callId: entry.request.callId }, 'app never answered; sending 500');
    this.incoming.remove(entry);
    this.respondLocally(entry.serverTransaction, entry.request, 500, 'Server Internal Error');
  }

  /**
   * After each provisional response from the app, the wait for its final one starts again: the
   * INVITE timeout (timer C's value, 180 s by default) for INVITE, the pending-request timeout for
   * other methods (§17.2.2 leaves a non-INVITE transaction open as long as the TU wants).
   */
  awaitFinalResponse(entry: IncomingRequest): void {
    clearTimeout(entry.pendingTimer);
    const settings = this.context.settings;
    const timeoutMs = entry.request.method === 'INVITE' ? settings.inviteTimeoutMs : settings.pendingRequestTimeoutMs;
    entry.pendingTimer = unrefTimer(
      setTimeout(guarded(this.log, 'final response timeout', () => this.onPendingTimeout(entry)), timeoutMs),
    );
  }

  /**
   * DEVIATION: drachtio-server keeps an INVITE the app answered only provisionally open forever.
   * The engine gives up after the timeout: 408 to the caller, and for INVITE a CANCEL to the app
   * (as if the caller had cancelled) so that srf emits `cancel` and the app stops waiting.
   */
  private onNoFinalResponse(entry: IncomingRequest): void {
    const request = entry.request;
    this.log.warn({ method: request.method, callId: request.callId }, 'app sent no final response; sending 408');
    this.abandon(entry, 408, 'Request Timeout');
    if (request.method !== 'INVITE' || entry.owner.closed) return;
    const cancel = cancelRequestFor(request);
    fixContentLength(cancel);
    const text = formatSipText(cancel);
    entry.owner.push(inDialogTokens(networkMeta(text, entry.source), entry.transactionId, entry.dialogId), text);
  }

  /** Ends a request the app had to answer with a final response of the engine; its early dialog goes too. */
  private abandon(entry: IncomingRequest, status: number, reason: string): void {
    this.incoming.remove(entry);
    const response = buildResponse(entry.request, status, reason, entry.localTag ?? newTag());
    fixContentLength(response);
    detach(this.log, `${status} to abandoned ${entry.request.method}`, entry.serverTransaction.respond(response));
    const early = entry.dialogId === '' ? undefined : this.context.dialogs.get(entry.dialogId);
    if (early !== undefined && early.state === 'early' && entry.isNew) this.context.dialogs.remove(early);
  }

  /** RFC 3261 §13.3.1.4: the ACK for a 2xx the app sent goes to the app as S2 (wire protocol §4.4). */
  onAck(ack: SipRequest, source: Source): void {
    const toTag = tagOf(ack.get('to'));
    const fromTag = tagOf(ack.get('from'));
    if (toTag === undefined || fromTag === undefined) return;
    const dialog = this.context.dialogs.match(ack.callId, toTag, fromTag);
    const cseq = cseqOf(ack);
    if (dialog === undefined || dialog.awaitingAck === undefined || cseq?.seq !== dialog.awaitingAck.cseq) {
      this.log.debug({ callId: ack.callId }, 'ACK matches nothing awaiting one; dropped');
      return;
    }
    dialog.stopAwaitingAck();
    dialog.state = 'confirmed';
    if (dialog.owner.closed) return;
    const text = formatSipText(ack);
    dialog.owner.push(inDialogTokens(networkMeta(text, source), newTransactionId(), dialog.id), text);
  }

  /** RFC 3261 §9.2 and wire protocol §4.5. */
  onCancel(cancel: SipRequest, source: Source, cancelTransaction: ServerTransaction): void {
    const inviteTransaction = this.context.transactions.findInviteServerTransactionForCancel(cancel);
    const entry = inviteTransaction === undefined ? undefined : this.incoming.forServerTransaction(inviteTransaction);
    if (inviteTransaction === undefined) {
      this.respondLocally(cancelTransaction, cancel, 481, 'Call/Transaction Does Not Exist');
      return;
    }
    // RFC 3261 §9.2: the CANCEL itself is answered 200 whatever the INVITE's state.
    this.respondLocally(cancelTransaction, cancel, 200, 'OK');
    if (entry === undefined) return; // already answered finally: the CANCEL has no effect.
    this.abandon(entry, 487, 'Request Terminated');
    if (entry.owner.closed) return;
    const text = formatSipText(cancel);
    const meta = networkMeta(text, source);
    const tokens = entry.anyResponseSent
      ? inDialogTokens(meta, entry.transactionId, entry.dialogId)
      : quickCancelTokens(meta, entry.transactionId);
    entry.owner.push(tokens, text);
  }

  /** RFC 3262 §3: a PRACK whose RAck matches a reliable provisional stops its retransmission. */
  onPrack(dialog: Dialog, prack: SipRequest): void {
    const rack = /^\s*(\d+)\s+(\d+)\s+(\S+)/.exec(prack.get('rack') ?? '');
    if (!rack) return;
    const rseq = Number(rack[1]);
    for (const entry of this.incoming.all()) {
      if (entry.dialogId !== dialog.id || entry.request.method !== 'INVITE') continue;
      const pending = entry.reliableProvisionals.get(rseq);
      if (pending === undefined) continue;
      clearTimeout(pending.retransmit);
      clearTimeout(pending.giveUp);
      entry.reliableProvisionals.delete(rseq);
    }
  }

  /** The app's socket closed: requests it still had to answer get 500 (its dialogs stay, §7). */
  onConnectionClosed(connection: AppConnection): void {
    for (const entry of this.incoming.all()) {
      if (entry.owner !== connection) continue;
      this.incoming.remove(entry);
      this.log.info({ method: entry.request.method }, 'app connection closed before answering; sending 500');
      const response = buildResponse(entry.request, 500, 'Server Internal Error', entry.localTag ?? newTag());
      fixContentLength(response);
      detach(this.log, '500 for orphaned request', entry.serverTransaction.respond(response));
    }
  }

  close(): void {
    for (const entry of this.incoming.all()) this.incoming.remove(entry);
  }
}
