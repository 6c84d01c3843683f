/**
 * Responses to requests the engine sent for apps (wire protocol §5.2): S2 to the owner with TXN and
 * DLG, dialog creation on 2xx / reliable 1xx / 2xx to SUBSCRIBE (RFC 3261 §12.1.2), dialog removal
 * after BYE and terminating NOTIFY, ACK re-sending on 2xx retransmissions, 408/503 synthesis.
 */
import type pino from 'pino';
import { inDialogTokens } from '../control/leader';
import { SipResponse } from '../message/sip-message';
import type { ClientTransactionUser } from '../transaction/types';
import type { Source } from '../transport/types';
import { tagOf, uriOf, withoutTag } from './addressing';
import { detach, guarded, unrefTimer, type CoreContext } from './context';
import { Dialog } from './dialog';
import type { OutgoingRequest, OutgoingRequests } from './outgoing';
import { buildResponse, cseqOf, headerList } from './responses';
import { fixContentLength, formatSipText } from './sip-text';
import { networkMeta } from './uas';

export class UacResponseRelay {
  private readonly log: pino.Logger;

  constructor(
    private readonly context: CoreContext,
    private readonly outgoing: OutgoingRequests,
  ) {
    this.log = context.log.child({ part: 'uac-response' });
  }

  /** The transaction user handed to the transaction layer for one app request. */
  userFor(entry: OutgoingRequest): ClientTransactionUser {
    return {
      onResponse: (response, source) => this.onResponse(entry, response, source),
      onTimeout: () => this.onResponse(entry, this.synthesise(entry, 408, 'Request Timeout'), this.pseudoSource(entry)),
      onTransportError: (error) => {
        this.log.info({ err: error, method: entry.request.method }, 'transport error; synthesising 503');
        this.onResponse(entry, this.synthesise(entry, 503, 'Service Unavailable'), this.pseudoSource(entry));
      },
    };
  }

  private synthesise(entry: OutgoingRequest, status: number, reason: string): SipResponse {
    const response = buildResponse(entry.request, status, reason);
    fixContentLength(response);
    return response;
  }

  private pseudoSource(entry: OutgoingRequest): Source {
    const local = this.context.transport.localFor(entry.destination);
    return { ...entry.destination, localAddress: local.address, localPort: local.port };
  }

  /**
   * Timer C (RFC 3261 §16.6 item 11, §16.7 item 2): (re)armed when an INVITE is sent and on every
   * provisional other than 100. A peer that rings forever would otherwise keep the transaction,
   * and the app's call attempt, alive for good.
   */
  armTimerC(entry: OutgoingRequest): void {
    clearTimeout(entry.timerC);
    entry.timerC = unrefTimer(
      setTimeout(
        guarded(this.log, 'timer C', () => this.onTimerC(entry)),
        this.context.settings.inviteTimeoutMs,
      ),
    );
  }

  private onTimerC(entry: OutgoingRequest): void {
    entry.timerC = undefined;
    if (entry.finalReceived) return;
    this.log.info({ callId: entry.request.callId, timeoutMs: this.context.settings.inviteTimeoutMs }, 'INVITE got no final response (timer C); CANCEL and 408');
    entry.timedOut = true;
    if (!entry.cancelled) this.onTimeoutCancel?.(entry);
    this.onResponse(entry, this.synthesise(entry, 408, 'Request Timeout'), this.pseudoSource(entry));
    // RFC 3261 §9.1: a CANCELled INVITE with no final response after 64*T1 may be destroyed.
    const transaction = entry.clientTransaction;
    if (transaction !== undefined) {
      unrefTimer(setTimeout(guarded(this.log, 'timer C clean-up', () => transaction.dispose()), 64 * this.context.settings.timers.T1));
    }
  }

  onResponse(entry: OutgoingRequest, response: SipResponse, source: Source): void {
    const status = response.status;
    if (status === 100) return;
    if (entry.finalReceived) {
      if (status >= 200 && status < 300) {
        if (entry.timedOut && entry.createsDialog) this.hangUpAfterTimeout(entry, response, source);
        else this.onStrayResponse(response, source);
      }
      return;
    }
    if (entry.request.method === 'INVITE' && status < 200) this.armTimerC(entry);
    if (status >= 200) {
      entry.finalReceived = true;
      this.outgoing.remove(entry);
    }
    if (entry.createsDialog) this.trackNewDialog(entry, response, source);
    else if (entry.dialogId !== '') this.trackExistingDialog(entry, response);

    if (entry.owner.closed) {
      this.orphanedResponse(entry, response);
      return;
    }
    const text = formatSipText(response);
    entry.owner.push(inDialogTokens(networkMeta(text, source), entry.transactionId, entry.dialogId), text);
  }

  /** RFC 3261 §13.2.2.4: a retransmitted 2xx gets the ACK the app sent for it again. */
  onStrayResponse(response: SipResponse, _source: Source): void {
    const cseq = cseqOf(response);
    if (response.status < 200 || response.status >= 300 || cseq?.method !== 'INVITE') return;
    const localTag = tagOf(response.get('from'));
    const remoteTag = tagOf(response.get('to'));
    if (localTag === undefined || remoteTag === undefined) return;
    const dialog = this.context.dialogs.match(response.callId, localTag, remoteTag);
    const ack = dialog?.sentAck;
    if (ack === undefined || ack.cseq !== cseq.seq) return;
    detach(this.log, 'ACK re-send', this.context.transactions.sendStateless(ack.request, ack.destination));
  }

  private trackNewDialog(entry: OutgoingRequest, response: SipResponse, source: Source): void {
    const status = response.status;
    const method = entry.request.method;
    const dialogs = this.context.dialogs;
    const existing = dialogs.get(entry.dialogId);
    const success = status >= 200 && status < 300;
    const reliableProvisional = method === 'INVITE' && status > 100 && status < 200 && response.has('rseq');
    const remoteTag = tagOf(response.get('to'));
    if ((success || reliableProvisional) && remoteTag !== undefined) {
      let dialog = existing;
      if (dialog === undefined || dialog.remoteTag !== remoteTag) {
        if (dialog !== undefined) dialogs.remove(dialog);
        const request = entry.request;
        dialog = new Dialog({
          id: entry.dialogId,
          role: 'uac',
          kind: method === 'SUBSCRIBE' ? 'subscribe' : 'invite',
          state: success ? 'confirmed' : 'early',
          callId: request.callId,
          localTag: tagOf(request.get('from')) ?? '',
          remoteTag,
          localUri: withoutTag(request.get('from') ?? ''),
          remoteUri: withoutTag(response.get('to') ?? ''),
          localContact: request.get('contact') ?? '',
          remoteTarget: uriOf(response.get('contact') ?? request.uri),
          routeSet: headerList(response, 'record-route').reverse(),
          localCSeq: cseqOf(request)?.seq ?? 1,
          owner: entry.owner,
          protocol: entry.destination.protocol,
          peer: { protocol: source.protocol, address: source.address, port: source.port },
        });
        dialogs.add(dialog);
      }
      if (success) {
        dialog.state = 'confirmed';
        // RFC 3261 §12.1.2: the 2xx fixes route set and remote target.
        dialog.routeSet = headerList(response, 'record-route').reverse();
        const contact = response.get('contact');
        if (contact !== undefined) dialog.remoteTarget = uriOf(contact);
        if (method === 'INVITE') {
          dialog.lastSentInvite = { cseq: cseqOf(entry.request)?.seq ?? 0, succeeded: true };
          // §5.3: a 2xx that won the race against our CANCEL is ACKed by the app, then BYE'd.
          if (entry.cancelled) dialog.byeAfterAck = true;
        }
      }
      return;
    }
    if (status >= 300 && existing !== undefined && existing.state === 'early') dialogs.remove(existing);
  }

  private trackExistingDialog(entry: OutgoingRequest, response: SipResponse): void {
    const dialog = this.context.dialogs.get(entry.dialogId);
    if (dialog === undefined) return;
    const status = response.status;
    const method = entry.request.method;
    if (status < 200) return;
    const success = status < 300;
    switch (method) {
      case 'INVITE': {
        dialog.lastSentInvite = { cseq: cseqOf(entry.request)?.seq ?? 0, succeeded: success };
        const contact = response.get('contact');
        if (success && contact !== undefined) dialog.remoteTarget = uriOf(contact);
        break;
      }
      case 'BYE':
        // §5.4: the dialog goes with the BYE's final response, except a challenge (server#190).
        if (status !== 401 && status !== 407) this.context.dialogs.remove(dialog);
        break;
      case 'NOTIFY':
        if (dialog.kind === 'subscribe' && isTerminating(entry.request.get('subscription-state')) && status !== 401 && status !== 407) {
          this.context.dialogs.remove(dialog);
        }
        break;
      default:
        break;
    }
  }

  /** The app is gone: nobody will ACK a 2xx to its INVITE, so the engine ACKs and hangs up itself. */
  private orphanedResponse(entry: OutgoingRequest, response: SipResponse): void {
    if (entry.request.method !== 'INVITE' || response.status < 200 || response.status >= 300) return;
    const dialog = this.context.dialogs.get(entry.dialogId);
    if (dialog === undefined) return;
    this.log.info({ dialogId: dialog.id }, 'app gone before the 2xx to its INVITE; ACK and BYE');
    dialog.byeAfterAck = true;
    this.onOrphanAck?.(dialog, true);
  }

  /**
   * A 2xx that arrives after timer C gave the app its 408: the app knows no such call, so the
   * engine ACKs and hangs up itself, without telling the app (once: retransmissions find the ACK).
   */
  private hangUpAfterTimeout(entry: OutgoingRequest, response: SipResponse, source: Source): void {
    if (this.context.dialogs.get(entry.dialogId) !== undefined) {
      this.onStrayResponse(response, source);
      return;
    }
    this.trackNewDialog(entry, response, source);
    const dialog = this.context.dialogs.get(entry.dialogId);
    if (dialog === undefined) return;
    this.log.info({ dialogId: dialog.id }, '2xx after timer C; ACK and BYE');
    this.onOrphanAck?.(dialog, false);
  }

  /** Set by the UAC to ACK (and then BYE) a 2xx nobody will ACK; `notifyApp` sends the app S4. */
  onOrphanAck: ((dialog: Dialog, notifyApp: boolean) => void) | undefined;

  /** Set by the UAC to CANCEL an INVITE whose timer C fired. */
  onTimeoutCancel: ((entry: OutgoingRequest) => void) | undefined;
}

export function isTerminating(subscriptionState: string | undefined): boolean {
  return subscriptionState !== undefined && /^\s*terminated\b/i.test(subscriptionState);
}

