/**
 * Proxy mode (wire protocol §8.1, RFC 3261 §16): an app hands a received request over with A6 and
 * the engine forwards it statefully, reporting each final response (S11) and the end (S12). The
 * proxy also forwards requests inside the dialogs it record-routed (§4.1 item 2; never shown to
 * apps), CANCELs of proxied INVITEs, and 2xx retransmissions that outlived their transactions.
 */
import type pino from 'pino';
import { failureTokens, meta6, proxyContinueTokens, proxyDoneTokens, type MessageMeta } from '../control/leader';
import type { AppConnection, ProxyCommand } from '../control/types';
import { parseSipUri, tagOf, uriOf } from '../core/addressing';
import { detach, type CoreContext } from '../core/context';
import { newTag } from '../message/ids';
import type { IncomingRequest, IncomingRequests } from '../core/incoming';
import { viaFor } from '../core/in-dialog-request';
import { resolveUri } from '../core/next-hop';
import { buildResponse, headerList } from '../core/responses';
import { AppMessageError, fixContentLength, formatSipText, parseAppSipText } from '../core/sip-text';
import { viaRport } from '../message/via';
import type { SipRequest, SipResponse } from '../message/sip-message';
import type { ServerTransaction } from '../transaction/types';
import { stripBrackets, topVia } from '../transport/response-destination';
import type { Endpoint, Source } from '../transport/types';
import {
  applyExtraHeaders,
  copyRequest,
  decrementMaxForwards,
  ProxyRequestError,
  stripLocalRoutes,
  TooManyHopsError,
} from './forwarded-request';
import { isLocalUri } from './local-uri';
import { ProxyDialogs } from './proxy-dialogs';
import { ProxySession, type ProxySessionObserver, type ProxyTarget } from './proxy-session';
import { withoutTopVia } from './via-strip';

export class ProxyCore {
  private readonly sessions = new Map<ServerTransaction, ProxySession>();
  private readonly dialogs = new ProxyDialogs();
  private readonly log: pino.Logger;

  constructor(
    private readonly context: CoreContext,
    private readonly incoming: IncomingRequests,
  ) {
    this.log = context.log.child({ part: 'proxy' });
  }

  /** Proxy operations in flight plus record-routed dialogs not yet ended by a BYE (for leak checks). */
  get size(): number {
    return this.sessions.size + this.dialogs.size;
  }

  // ---- A6 from an app --------------------------------------------------------------------------

  onProxy(connection: AppConnection, command: ProxyCommand): void {
    try {
      this.startProxy(connection, command);
    } catch (error) {
      this.log.warn({ err: error, transactionId: command.transactionId }, 'proxy command failed');
      const reason = error instanceof Error ? error.message : String(error);
      connection.respond(command.msgId, failureTokens(`error proxying request to ${command.destinations.join(',')}: ${reason}`));
    }
  }

  private startProxy(connection: AppConnection, command: ProxyCommand): void {
    const entry = this.incoming.get(command.transactionId);
    if (entry === undefined) {
      connection.respond(command.msgId, failureTokens(`Unknown transaction id: ${command.transactionId}`));
      return;
    }
    if (entry.anyResponseSent) throw new ProxyRequestError('the request has already been answered');
    const invalid = command.destinations.find((destination) => parseSipUri(destination) === undefined);
    if (invalid !== undefined) {
      connection.respond(command.msgId, failureTokens(`error proxying request to ${invalid}: not a SIP URI`));
      return;
    }
    const extra = this.extraHeaders(command.sipText);
    this.incoming.remove(entry);

    const request = entry.request;
    const template = copyRequest(request);
    try {
      decrementMaxForwards(template);
    } catch (error) {
      if (!(error instanceof TooManyHopsError)) throw error;
      this.respondLocally(entry.serverTransaction, request, 483, 'Too Many Hops');
      connection.respond(command.msgId, failureTokens('Too Many Hops (Max-Forwards exhausted)'));
      return;
    }
    const remainingRoutes = stripLocalRoutes(template, (uri) => this.isLocal(uri), uriOf);
    if (extra !== undefined) applyExtraHeaders(template, extra);
    // drachtio-server replaces the request-URI only when it names this server; otherwise the
    // destinations are next hops for the unchanged request-URI.
    const retarget = this.isLocal(request.uri);
    const nextRoute = remainingRoutes[0];
    const targets: ProxyTarget[] = command.destinations.map((destination) => ({
      requestUri: retarget ? destination : request.uri,
      hop: nextRoute === undefined ? destination : uriOf(nextRoute),
    }));

    const report = command.fullResponse;
    const observer: ProxySessionObserver = {
      onFinalResponse: (response, meta) => {
        if (report) this.reportFinal(connection, command.msgId, response, meta);
      },
      onSuccess: (response, destination) => {
        if (command.recordRoute && request.method === 'INVITE') this.rememberDialog(entry, response, destination);
      },
      onDecided: () => {
        if (report) connection.respond(command.msgId, proxyDoneTokens());
      },
      onFinished: () => this.sessions.delete(entry.serverTransaction),
    };
    const settings = {
      serverTransaction: entry.serverTransaction,
      request,
      source: entry.source,
      template,
      targets,
      simultaneous: command.simultaneous,
      followRedirects: command.followRedirects,
      recordRoute: command.recordRoute,
      ...(command.provisionalTimeout === undefined ? {} : { provisionalTimeoutMs: command.provisionalTimeout }),
      ...(command.finalTimeout === undefined ? {} : { finalTimeoutMs: command.finalTimeout }),
    };
    const session = new ProxySession(this.context, settings, observer);
    this.sessions.set(entry.serverTransaction, session);
    if (!report) connection.respond(command.msgId, proxyDoneTokens());
    session.start();
  }

  /** The A6 pseudo-request only carries headers to add; its start line is ignored. */
  private extraHeaders(sipText: string): SipRequest | undefined {
    if (sipText.trim() === '') return undefined;
    let message;
    try {
      message = parseAppSipText(sipText);
    } catch (error) {
      if (error instanceof AppMessageError) throw new ProxyRequestError(`invalid SIP message: ${error.message}`);
      throw error;
    }
    return message.kind === 'request' ? message : undefined;
  }

  private reportFinal(connection: AppConnection, msgId: string, response: SipResponse, meta: MessageMeta): void {
    const text = formatSipText(response);
    connection.respond(msgId, proxyContinueTokens(meta6({ ...meta, bytes: Buffer.byteLength(text) })), text);
  }

  private rememberDialog(entry: IncomingRequest, response: SipResponse, destination: Endpoint): void {
    const callerTag = tagOf(entry.request.get('from'));
    const calleeTag = tagOf(response.get('to'));
    if (callerTag === undefined || calleeTag === undefined) return;
    const source = entry.source;
    this.dialogs.add({
      callId: entry.request.callId,
      callerTag,
      calleeTag,
      callerFlow: { protocol: source.protocol, address: source.address, port: source.port },
      calleeFlow: destination,
    });
  }

  // ---- requests from the network ---------------------------------------------------------------

  /** True when the proxy took the request: a CANCEL of a proxied request, or a record-routed dialog's request. */
  claimRequest(request: SipRequest, source: Source): boolean {
    if (request.method === 'CANCEL') return this.claimCancel(request, source);
    const routes = headerList(request, 'route');
    const top = routes[0];
    if (top === undefined || !this.isLocal(uriOf(top))) return false;
    const toTag = tagOf(request.get('to'));
    if (toTag === undefined) return false; // an initial request with a preloaded Route: apps decide
    const fromTag = tagOf(request.get('from')) ?? '';
    if (this.context.dialogs.match(request.callId, toTag, fromTag) !== undefined) return false;
    const template = copyRequest(request);
    const remaining = stripLocalRoutes(template, (uri) => this.isLocal(uri), uriOf);
    const nextRoute = remaining[0];
    const hop = nextRoute === undefined ? request.uri : uriOf(nextRoute);
    if (this.isLocal(hop)) return false; // addressed to the engine itself
    this.forwardInDialog(request, source, template, hop, fromTag, toTag);
    return true;
  }

  private forwardInDialog(request: SipRequest, source: Source, template: SipRequest, hop: string, fromTag: string, toTag: string): void {
    const dialog = this.dialogs.match(request.callId, fromTag, toTag);
    const flow = dialog === undefined ? undefined : this.dialogs.flowTowardsPeerOf(dialog, fromTag);
    if (dialog !== undefined && request.method === 'BYE') this.dialogs.remove(dialog);
    try {
      decrementMaxForwards(template);
    } catch (error) {
      if (!(error instanceof TooManyHopsError)) throw error;
      if (request.method !== 'ACK') {
        this.respondLocally(this.context.transactions.createServerTransaction(request, source), request, 483, 'Too Many Hops');
      }
      return;
    }
    if (request.method === 'ACK') {
      detach(this.log, 'ACK forwarding', this.forwardStateless(template, hop, flow));
      return;
    }
    const transaction = this.context.transactions.createServerTransaction(request, source);
    const target: ProxyTarget = flow === undefined ? { requestUri: request.uri, hop } : { requestUri: request.uri, hop, flow };
    const session = new ProxySession(
      this.context,
      {
        serverTransaction: transaction,
        request,
        source,
        template,
        targets: [target],
        simultaneous: false,
        followRedirects: false,
        recordRoute: false,
      },
      { onFinished: () => this.sessions.delete(transaction) },
    );
    this.sessions.set(transaction, session);
    session.start();
  }

  /** RFC 3261 §16.11-style forwarding for ACK of a 2xx: no transaction, a fresh branch. */
  private async forwardStateless(template: SipRequest, hop: string, flow: Endpoint | undefined): Promise<void> {
    const destination = flow ?? (await resolveUri(hop));
    const local = this.context.transport.localFor(destination);
    template.prepend('Via', viaFor(this.context, local));
    fixContentLength(template);
    await this.context.transactions.sendStateless(template, destination);
  }

  /** RFC 3261 §16.10: 200 to the CANCEL, then the proxied INVITE's branches are cancelled. */
  private claimCancel(cancel: SipRequest, source: Source): boolean {
    const inviteTransaction = this.context.transactions.findInviteServerTransactionForCancel(cancel);
    const session = inviteTransaction === undefined ? undefined : this.sessions.get(inviteTransaction);
    if (session === undefined) return false;
    this.respondLocally(this.context.transactions.createServerTransaction(cancel, source), cancel, 200, 'OK');
    session.cancelByCaller();
    return true;
  }

  // ---- stray responses -------------------------------------------------------------------------

  /**
   * A response no client transaction matched, with the engine's Via on top of another one: a 2xx
   * retransmission for a proxied INVITE whose transaction has ended. 2xx go upstream statelessly
   * (RFC 6026 §8.2); other strays are dropped.
   */
  claimStrayResponse(response: SipResponse, _source: Source): boolean {
    const ours = topVia(response);
    if (ours === undefined || !this.isLocal(`sip:${ours.host}:${ours.port ?? 5060}`)) return false;
    const upstream = withoutTopVia(response);
    if (upstream === undefined) return false;
    if (response.status >= 200 && response.status < 300) {
      const destination = viaDestination(upstream);
      if (destination !== undefined) detach(this.log, 'stray 2xx relay', this.context.transactions.sendStateless(upstream, destination));
    }
    return true;
  }

  // ---- housekeeping ----------------------------------------------------------------------------

  onConnectionClosed(_connection: AppConnection): void {
    // Proxy operations run to their end without the app; their S11/S12 replies are dropped.
  }

  close(): void {
    for (const session of this.sessions.values()) session.dispose();
    this.sessions.clear();
    this.dialogs.clear();
  }

  private isLocal(uri: string): boolean {
    return isLocalUri(uri, this.context.transport.listening(), this.context.settings.externalAddress);
  }

  private respondLocally(transaction: ServerTransaction, request: SipRequest, status: number, reason: string): void {
    const response = buildResponse(request, status, reason, newTag());
    fixContentLength(response);
    detach(this.log, `local ${status}`, transaction.respond(response));
  }
}

/** RFC 3261 §18.2.2 for a response sent without its request: where the top Via says. */
function viaDestination(response: SipResponse): Endpoint | undefined {
  const via = topVia(response);
  if (via === undefined) return undefined;
  const protocol = via.transport === 'TCP' || via.transport === 'TLS' ? 'tcp' : 'udp';
  const rport = viaRport(via);
  const received = via.params.received;
  const address = received !== undefined && received !== null ? received : stripBrackets(via.host);
  const port = typeof rport === 'number' ? rport : (via.port ?? 5060);
  return { protocol, address, port };
}
