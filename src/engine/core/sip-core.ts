/**
 * The SIP core: the transaction user below (RFC 3261 §8, §12, §13) and the drachtio command handler
 * above (wire protocol §3–§7). It routes network requests to apps and app commands to the network.
 */
import type pino from 'pino';
import { failureTokens } from '../control/leader';
import type { AppCommandHandler, AppConnection, ProxyCommand, SipCommand } from '../control/types';
import type { SipRequest, SipResponse } from '../message/sip-message';
import type { TransactionLayerUser } from '../transaction/types';
import { ProxyCore } from '../proxy';
import type { Source, TransportLayer } from '../transport/types';
import { tagOf } from './addressing';
import type { NewCallGate } from './new-call-gate';
import { AppResponder } from './app-response';
import { detach, type AppRouter, type CoreContext, type CoreSettings, type TransactionPort } from './context';
import { DialogStore } from './dialog-store';
import type { Dialog } from './dialog';
import { buildResponse } from './responses';
import { AppMessageError, fixContentLength, parseAppSipText } from './sip-text';
import { UserAgentClient } from './uac';
import { isTerminating } from './uac-response';
import { UserAgentServer } from './uas';

/** Requests that, with a To-tag matching no dialog, are still treated as new (wire protocol §4.6). */
const ROUTABLE_WITH_STALE_TAG = new Set(['INFO', 'NOTIFY', 'OPTIONS', 'MESSAGE', 'SUBSCRIBE', 'PUBLISH']);
/** Only meaningful inside a dialog: 481 when none matches (§4.1). */
const DIALOG_ONLY = new Set(['BYE', 'UPDATE', 'PRACK', 'INVITE']);
/** Methods of RFC 3261 and its extensions that srf apps route; anything else nobody routed gets 501. */
const KNOWN_METHODS = new Set([
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE',
]);

export interface SipCoreDeps {
  transport: TransportLayer;
  transactions: TransactionPort;
  apps: AppRouter;
  settings: CoreSettings;
  log: pino.Logger;
  /** Refuses new INVITEs with 503 while the engine is overloaded (none: always admit). */
  newCallGate?: NewCallGate;
}

export interface CoreCounts {
  dialogs: number;
  pendingIncoming: number;
  pendingOutgoing: number;
  /** Requests being proxied (A6) and not finished yet. */
  proxying: number;
}

export class SipCore implements TransactionLayerUser, AppCommandHandler {
  private readonly context: CoreContext;
  private readonly uas: UserAgentServer;
  private readonly responder: AppResponder;
  private readonly uac: UserAgentClient;
  private readonly proxy: ProxyCore;
  private readonly log: pino.Logger;
  private readonly newCallGate: NewCallGate | undefined;

  constructor(deps: SipCoreDeps) {
    this.log = deps.log.child({ part: 'sip-core' });
    this.newCallGate = deps.newCallGate;
    this.context = {
      transport: deps.transport,
      transactions: deps.transactions,
      apps: deps.apps,
      dialogs: new DialogStore(),
      settings: deps.settings,
      log: deps.log,
    };
    this.uas = new UserAgentServer(this.context);
    this.responder = new AppResponder(this.context, this.uas);
    this.uac = new UserAgentClient(this.context);
    this.proxy = new ProxyCore(this.context, this.uas.incoming);
  }

  counts(): CoreCounts {
    return {
      dialogs: this.context.dialogs.size,
      pendingIncoming: this.uas.incoming.size,
      pendingOutgoing: this.uac.outgoing.size,
      proxying: this.proxy.size,
    };
  }

  // ---- from the transaction layer ------------------------------------------------------------

  onRequest(request: SipRequest, source: Source): void {
    try {
      this.routeRequest(request, source);
    } catch (error) {
      this.log.error({ err: error, method: request.method }, 'request handling failed');
    }
  }

  onStrayResponse(response: SipResponse, source: Source): void {
    try {
      if (this.proxy.claimStrayResponse(response, source)) return;
      this.uac.responses.onStrayResponse(response, source);
    } catch (error) {
      this.log.error({ err: error }, 'stray response handling failed');
    }
  }

  private routeRequest(request: SipRequest, source: Source): void {
    // Record-routed proxy dialogs (wire protocol §4.1 item 2) and CANCELs of proxied INVITEs.
    if (this.proxy.claimRequest(request, source)) return;
    const method = request.method;
    if (method === 'ACK') {
      this.uas.onAck(request, source);
      return;
    }
    const transaction = this.context.transactions.createServerTransaction(request, source);
    if (method === 'CANCEL') {
      this.uas.onCancel(request, source, transaction);
      return;
    }
    const toTag = tagOf(request.get('to'));
    if (toTag !== undefined) {
      const fromTag = tagOf(request.get('from')) ?? '';
      const dialog = this.context.dialogs.match(request.callId, toTag, fromTag);
      if (dialog !== undefined) {
        this.inDialog(dialog, request, source, transaction);
        return;
      }
      if (!ROUTABLE_WITH_STALE_TAG.has(method)) {
        this.uas.respondLocally(transaction, request, 481, 'Call/Transaction Does Not Exist');
        return;
      }
    }
    if (method === 'INVITE') {
      const retryAfter = this.newCallGate?.refuse();
      if (retryAfter !== undefined) {
        this.uas.respondLocally(transaction, request, 503, 'Service Unavailable', { 'Retry-After': String(retryAfter) });
        return;
      }
      // §4.1: 100 Trying at once, statelessly; the transaction repeats it for retransmissions.
      const trying = buildResponse(request, 100, 'Trying');
      fixContentLength(trying);
      detach(this.log, '100 Trying', this.context.transactions.sendStateless(trying, endpointOf(source)));
    } else if (DIALOG_ONLY.has(method)) {
      this.uas.respondLocally(transaction, request, 481, 'Call/Transaction Does Not Exist');
      return;
    } else if (method === 'REFER') {
      // DEVIATION: drachtio-server drops an out-of-dialog REFER silently; a 403 tells the sender.
      this.uas.respondLocally(transaction, request, 403, 'Forbidden');
      return;
    }
    const owner = this.context.apps.connectionFor(method.toLowerCase());
    if (owner === undefined) {
      // DEVIATION: drachtio-server drops unknown methods silently; RFC 3261 §8.2.1 asks for 501.
      if (KNOWN_METHODS.has(method)) this.uas.respondLocally(transaction, request, 503, 'Service Unavailable');
      else this.uas.respondLocally(transaction, request, 501, 'Not Implemented');
      return;
    }
    this.uas.forward(request, source, transaction, owner);
  }

  /** §4.6: requests inside a dialog go to the dialog's owner as S2. */
  private inDialog(dialog: Dialog, request: SipRequest, source: Source, transaction: ReturnType<TransactionPort['createServerTransaction']>): void {
    const method = request.method;
    if (method === 'BYE') this.context.dialogs.remove(dialog);
    if (dialog.owner.closed) {
      this.uas.respondLocally(transaction, request, 481, 'Call/Transaction Does Not Exist');
      return;
    }
    if (method === 'INVITE') {
      // RFC 3261 §14.2: 491 when our own re-INVITE is pending (glare), 500 while theirs is.
      if (this.uac.outgoing.hasPendingInvite(dialog.id)) {
        this.uas.respondLocally(transaction, request, 491, 'Request Pending');
        return;
      }
      if (this.uas.incoming.hasPendingInvite(dialog.id)) {
        this.uas.respondLocally(transaction, request, 500, 'Server Internal Error');
        return;
      }
      const trying = buildResponse(request, 100, 'Trying');
      fixContentLength(trying);
      detach(this.log, '100 Trying', transaction.respond(trying));
    }
    if (method === 'PRACK') this.uas.onPrack(dialog, request);
    // RFC 3261 §12.2.2: target refresh requests update the remote target.
    const contact = request.get('contact');
    if (contact !== undefined && (method === 'INVITE' || method === 'UPDATE' || method === 'SUBSCRIBE' || method === 'NOTIFY')) {
      const uri = /<([^>]*)>/.exec(contact)?.[1] ?? contact.split(';')[0]!.trim();
      dialog.remoteTarget = uri;
    }
    if (method === 'NOTIFY' && dialog.kind === 'subscribe' && isTerminating(request.get('subscription-state'))) {
      this.context.dialogs.remove(dialog);
    }
    this.uas.forward(request, source, transaction, dialog.owner, dialog);
  }

  // ---- from the control socket ----------------------------------------------------------------

  onSip(connection: AppConnection, command: SipCommand): void {
    let message;
    try {
      message = parseAppSipText(command.sipText);
    } catch (error) {
      const reason = error instanceof AppMessageError ? `invalid SIP message: ${error.message}` : 'invalid SIP message';
      connection.respond(command.msgId, failureTokens(reason));
      return;
    }
    if (message.kind === 'response') {
      try {
        this.responder.onAppResponse(connection, command.msgId, command.transactionId, message);
      } catch (error) {
        this.log.error({ err: error }, 'app response handling failed');
        this.uac.refuse(connection, command.msgId, error);
      }
      return;
    }
    const request = message;
    const work = async (): Promise<void> => {
      if (command.dialogId !== '') await this.uac.sendInDialog(connection, command, request);
      else if (command.transactionId !== '' && request.method === 'CANCEL') this.uac.cancel(connection, command, request);
      else await this.uac.sendNew(connection, command, request);
    };
    work().catch((error: unknown) => {
      this.log.debug({ err: error, method: request.method }, 'app request refused');
      this.uac.refuse(connection, command.msgId, error);
    });
  }

  onProxy(connection: AppConnection, command: ProxyCommand): void {
    this.proxy.onProxy(connection, command);
  }

  onConnectionClosed(connection: AppConnection): void {
    try {
      this.uas.onConnectionClosed(connection);
      this.uac.onConnectionClosed(connection);
      this.proxy.onConnectionClosed(connection);
    } catch (error) {
      this.log.error({ err: error }, 'connection clean-up failed');
    }
  }

  close(): void {
    this.proxy.close();
    this.uas.close();
    this.context.dialogs.clear();
  }
}

function endpointOf(source: Source): { protocol: Source['protocol']; address: string; port: number } {
  return { protocol: source.protocol, address: source.address, port: source.port };
}
