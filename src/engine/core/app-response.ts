/**
 * An app's response to a network request (wire protocol §4.2, §4.3, §4.4): rebuilt from the original
 * request, To-tag, Contact and content-type rules, reliable provisionals, dialog creation, the S9
 * echo and 2xx retransmission until the ACK.
 */
import type pino from 'pino';
import { failureTokens, meta6, sentResponseReplyTokens } from '../control/leader';
import type { AppConnection } from '../control/types';
import type { SipResponse } from '../message/sip-message';
import type { Endpoint } from '../transport/types';
import { asNameAddr, contactUri, tagOf, uriOf, withoutTag } from './addressing';
import { applyContentTypeRule, copyAppHeaders } from './app-headers';
import { advertisedHost, detach, guarded, unrefTimer, type CoreContext } from './context';
import { Dialog } from './dialog';
import { sendEngineBye } from './engine-bye';
import { newTag } from '../message/ids';
import { dialogIdOf, initialCSeq } from './ids';
import type { IncomingRequest } from './incoming';
import { buildResponse, cseqOf, hasOptionTag, headerList } from './responses';
import { fixContentLength, formatSipText } from './sip-text';
import type { UserAgentServer } from './uas';

const DIALOG_FIELDS = new Set(['from', 'to', 'call-id', 'cseq']);

export class AppResponder {
  private readonly log: pino.Logger;

  constructor(
    private readonly context: CoreContext,
    private readonly uas: UserAgentServer,
  ) {
    this.log = context.log.child({ part: 'app-response' });
  }

  onAppResponse(connection: AppConnection, msgId: string, transactionId: string, app: SipResponse): void {
    const entry = this.uas.incoming.get(transactionId);
    if (entry === undefined) {
      connection.respond(msgId, failureTokens('Response not sent due to unknown transaction'));
      return;
    }
    const request = entry.request;
    const method = request.method;
    const status = app.status;
    const dialogCreating = entry.isNew && (method === 'INVITE' || method === 'SUBSCRIBE');
    const reliable = method === 'INVITE' && status > 100 && status < 200 && hasOptionTag(app, 'require', '100rel');
    if (reliable && !hasOptionTag(request, 'supported', '100rel') && !hasOptionTag(request, 'require', '100rel')) {
      connection.respond(msgId, failureTokens('Remote endpoint does not support 100rel'));
      return;
    }

    if (status > 100 && entry.localTag === undefined && tagOf(request.get('to')) === undefined) {
      entry.localTag = tagOf(app.get('to')) ?? newTag();
    }
    const response = buildResponse(request, status, app.reason || 'Unknown', entry.localTag);
    if (dialogCreating && status > 100 && status < 300) {
      for (const recordRoute of request.getAll('record-route')) response.append('Record-Route', recordRoute);
    }
    const needsContact = (method === 'INVITE' || method === 'SUBSCRIBE') && ((status >= 200 && status < 300) || reliable);
    if (needsContact && !app.has('contact')) response.append('Contact', `<${this.localContactUri(entry)}>`);
    copyAppHeaders(app, response, { skip: DIALOG_FIELDS });
    response.body = app.body;
    applyContentTypeRule(response, false);

    const dialog = this.updateDialog(entry, response, status, dialogCreating);
    if (reliable && dialog !== undefined) {
      dialog.rseq += 1;
      response.append('RSeq', String(dialog.rseq));
    }
    fixContentLength(response);

    entry.anyResponseSent = true;
    if (status >= 200) this.uas.incoming.remove(entry);
    else this.uas.awaitFinalResponse(entry);

    detach(this.log, `${status} response`, entry.serverTransaction.respond(response));
    if (reliable && dialog !== undefined) this.retransmitReliably(entry, response, dialog.rseq);
    if (method === 'INVITE' && status >= 200 && status < 300 && dialog !== undefined) this.awaitAck(dialog, response, entry);

    const text = formatSipText(response);
    const meta = meta6({
      source: 'application',
      bytes: Buffer.byteLength(text),
      protocol: entry.source.protocol,
      address: entry.source.address,
      port: entry.source.port,
    });
    connection.respond(msgId, sentResponseReplyTokens(meta, transactionId, entry.dialogId), text);
  }

  private localContactUri(entry: IncomingRequest): string {
    const source = entry.source;
    return contactUri(advertisedHost(this.context, source.localAddress), source.localPort, source.protocol);
  }

  /** Early/confirmed dialog bookkeeping for INVITE/SUBSCRIBE answers (RFC 3261 §12.1.1). */
  private updateDialog(
    entry: IncomingRequest,
    response: SipResponse,
    status: number,
    dialogCreating: boolean,
  ): Dialog | undefined {
    const request = entry.request;
    const dialogs = this.context.dialogs;
    if (!dialogCreating) {
      const existing = entry.dialogId === '' ? undefined : dialogs.get(entry.dialogId);
      const contact = response.get('contact');
      if (existing !== undefined && contact !== undefined && status >= 200 && status < 300) existing.localContact = contact;
      return existing;
    }
    const remoteTag = tagOf(request.get('from')) ?? '';
    entry.dialogId = dialogIdOf(request.callId, remoteTag);
    let dialog = dialogs.get(entry.dialogId);
    if (dialog !== undefined && dialog.owner !== entry.owner) dialog = undefined;
    const establishes =
      (status >= 200 && status < 300) || (request.method === 'INVITE' && status > 100 && status < 200);
    if (dialog === undefined && establishes && entry.localTag !== undefined) {
      dialog = new Dialog({
        id: entry.dialogId,
        role: 'uas',
        kind: request.method === 'SUBSCRIBE' ? 'subscribe' : 'invite',
        state: 'early',
        callId: request.callId,
        localTag: entry.localTag,
        remoteTag,
        localUri: withoutTag(request.get('to') ?? ''),
        remoteUri: withoutTag(request.get('from') ?? ''),
        localContact: response.get('contact') ?? `<${this.localContactUri(entry)}>`,
        remoteTarget: uriOf(request.get('contact') ?? request.get('from') ?? ''),
        routeSet: headerList(request, 'record-route'),
        localCSeq: initialCSeq(),
        remoteCSeq: cseqOf(request)?.seq,
        owner: entry.owner,
        protocol: entry.source.protocol,
        peer: { protocol: entry.source.protocol, address: entry.source.address, port: entry.source.port },
      });
      dialogs.add(dialog);
    }
    if (dialog === undefined) return undefined;
    if (status >= 200 && status < 300) {
      dialog.state = 'confirmed';
      const contact = response.get('contact');
      if (contact !== undefined) dialog.localContact = asNameAddr(contact);
    } else if (status >= 300 && dialog.state === 'early') {
      dialogs.remove(dialog);
    }
    return dialog;
  }

  /** RFC 3262 §3: retransmit the reliable provisional at T1, doubling, until the PRACK; give up after 64*T1. */
  private retransmitReliably(entry: IncomingRequest, response: SipResponse, rseq: number): void {
    const { T1 } = this.context.settings.timers;
    const reliableTransport = entry.source.protocol === 'tcp';
    const giveUp = unrefTimer(
      setTimeout(
        guarded(this.log, 'reliable provisional give-up', () => {
          const pending = entry.reliableProvisionals.get(rseq);
          if (pending === undefined) return;
          clearTimeout(pending.retransmit);
          entry.reliableProvisionals.delete(rseq);
          this.log.warn({ rseq }, 'no PRACK for reliable provisional');
        }),
        64 * T1,
      ),
    );
    const pending = { rseq, response, giveUp, retransmit: undefined as NodeJS.Timeout | undefined };
    entry.reliableProvisionals.set(rseq, pending);
    if (reliableTransport) return;
    let interval = T1;
    const fire = guarded(this.log, 'reliable provisional retransmission', () => {
      if (!entry.reliableProvisionals.has(rseq)) return;
      detach(this.log, 'reliable provisional retransmission', entry.serverTransaction.respond(response));
      interval *= 2;
      pending.retransmit = unrefTimer(setTimeout(fire, interval));
    });
    pending.retransmit = unrefTimer(setTimeout(fire, interval));
  }

  /**
   * RFC 3261 §13.3.1.4: the UAS core re-sends the 2xx (T1 doubling to T2) over unreliable transports
   * until the ACK; without an ACK in 64*T1 the dialog is torn down (wire protocol §4.4: BYE + S4).
   */
  private awaitAck(dialog: Dialog, response: SipResponse, entry: IncomingRequest): void {
    const { T1, T2 } = this.context.settings.timers;
    const cseq = cseqOf(response)?.seq ?? 0;
    dialog.stopAwaitingAck();
    const destination: Endpoint = { protocol: entry.source.protocol, address: entry.source.address, port: entry.source.port };
    const giveUp = dialog.own(
      unrefTimer(
        setTimeout(
          guarded(this.log, 'ACK timeout', () => {
            if (dialog.awaitingAck?.cseq !== cseq) return;
            dialog.stopAwaitingAck();
            sendEngineBye(this.context, dialog, 'ACK timeout');
          }),
          64 * T1,
        ),
      ),
    );
    dialog.awaitingAck = { cseq, giveUp };
    if (entry.source.protocol === 'tcp') return;
    let interval = T1;
    const awaiting = dialog.awaitingAck;
    const fire = guarded(this.log, '2xx retransmission', () => {
      if (dialog.awaitingAck !== awaiting) return;
      detach(this.log, '2xx retransmission', this.context.transactions.sendStateless(response, destination));
      interval = Math.min(interval * 2, T2);
      dialog.release(awaiting.retransmit);
      awaiting.retransmit = dialog.own(unrefTimer(setTimeout(fire, interval)));
    });
    awaiting.retransmit = dialog.own(unrefTimer(setTimeout(fire, interval)));
  }
}
