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
import { newTag, newTransactionId } from './ids';
import { IncomingRequests, type IncomingRequest } from './incoming';
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
  respondLocally(transaction: ServerTransaction, request: SipRequest, status: number, reason: string): void {
    const response = buildResponse(request, status, reason, status === 100 ? undefined : newTag());
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
    if (entry.anyResponseSent) return;
    this.log.warn({ method: entry.request.method, callId: entry.request.callId }, 'app never answered; sending 500');
    this.incoming.remove(entry);
    this.respondLocally(entry.serverTransaction, entry.request, 500, 'Server Internal Error');
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
    this.incoming.remove(entry);
    const terminated = buildResponse(entry.request, 487, 'Request Terminated', entry.localTag ?? newTag());
    fixContentLength(terminated);
    detach(this.log, '487 to cancelled INVITE', entry.serverTransaction.respond(terminated));
    const early = entry.dialogId === '' ? undefined : this.context.dialogs.get(entry.dialogId);
    if (early !== undefined && early.state === 'early' && entry.isNew) this.context.dialogs.remove(early);
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
