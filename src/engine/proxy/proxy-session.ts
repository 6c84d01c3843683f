/**
 * One stateful proxy operation (RFC 3261 §16.5–§16.10): forwards a received request to its targets
 * one after another or all at once, relays provisional and 2xx responses upstream at once, keeps
 * the other finals and sends the best upstream when every branch is done, and cancels branches
 * when a 2xx or 6xx arrives, when the caller CANCELs, or when a branch times out.
 */
import type pino from 'pino';
import type { MessageMeta } from '../control/leader';
import { parseSipUri, uriOf } from '../core/addressing';
import { advertisedHost, detach, guarded, unrefTimer, type CoreContext } from '../core/context';
import { cancelRequestFor } from '../core/cancel-request';
import { viaFor } from '../core/in-dialog-request';
import { isOwnListener, resolveUri } from '../core/next-hop';
import { buildResponse, headerList } from '../core/responses';
import { fixContentLength } from '../core/sip-text';
import { newTag } from '../message/ids';
import { normalizeHeaderName, SipRequest, SipResponse } from '../message/sip-message';
import type { ClientTransactionUser, ServerTransaction } from '../transaction/types';
import { responseDestination } from '../transport/response-destination';
import type { Endpoint, Source } from '../transport/types';
import { chooseBestResponse } from './best-response';
import { finishBranchRequest, ProxyRequestError, type RecordRouteOptions } from './forwarded-request';
import { withoutTopVia } from './via-strip';

/** RFC 3261 §16.6 step 11: timer C, "greater than 3 minutes", for INVITE branches without a final timeout. */
const TIMER_C_MS = 181_000;

/** Requests that can create a dialog (RFC 3261, RFC 6665): the only ones worth a Record-Route. */
const DIALOG_FORMING = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

export interface ProxyTarget {
  /** Request-URI of the forwarded request. */
  requestUri: string;
  /** URI naming the next hop: a Route that remains, or the destination the app gave. */
  hop: string;
  /** A connection to use instead of resolving `hop` (in-dialog requests over TCP). */
  flow?: Endpoint;
}

export interface ProxySessionSettings {
  serverTransaction: ServerTransaction;
  /** The request as received (its Vias are the upstream path). */
  request: SipRequest;
  source: Source;
  /** The request to forward, prepared (Max-Forwards, Routes, extra headers) but without Via. */
  template: SipRequest;
  targets: ProxyTarget[];
  simultaneous: boolean;
  followRedirects: boolean;
  recordRoute: boolean;
  provisionalTimeoutMs?: number;
  finalTimeoutMs?: number;
}

export interface ProxySessionObserver {
  /** A final response arrived from (or was synthesised for) a branch before the outcome was decided. */
  onFinalResponse?(response: SipResponse, meta: MessageMeta): void;
  /** A 2xx went upstream (the first one decides the outcome; forks may send more). */
  onSuccess?(response: SipResponse, destination: Endpoint): void;
  /** The upstream final response went out. */
  onDecided?(): void;
  /** Outcome decided and every branch finished: nothing is left to wait for. */
  onFinished(): void;
}

interface Branch {
  readonly target: ProxyTarget;
  request: SipRequest | undefined;
  destination: Endpoint | undefined;
  provisional: boolean;
  done: boolean;
  cancelSent: boolean;
  readonly timers: Set<NodeJS.Timeout>;
}

export class ProxySession {
  private readonly queue: ProxyTarget[];
  private readonly branches: Branch[] = [];
  /** Finals kept for §16.7 step 6, already without the proxy's Via. */
  private readonly finals: SipResponse[] = [];
  private decided = false;
  /** No new branches: a 2xx or 6xx arrived, or the caller cancelled. */
  private stopped = false;
  private finished = false;
  private readonly log: pino.Logger;

  constructor(
    private readonly context: CoreContext,
    private readonly settings: ProxySessionSettings,
    private readonly observer: ProxySessionObserver,
  ) {
    this.queue = [...settings.targets];
    this.log = context.log.child({ part: 'proxy-session', callId: settings.request.callId, method: settings.request.method });
  }

  get serverTransaction(): ServerTransaction {
    return this.settings.serverTransaction;
  }

  start(): void {
    this.advance();
  }

  /** RFC 3261 §16.10: the caller CANCELled; every pending branch is cancelled, no new one starts. */
  cancelByCaller(): void {
    if (this.decided) return;
    this.stopped = true;
    this.queue.length = 0;
    for (const branch of this.branches) if (!branch.done) this.cancelBranch(branch);
    this.advance();
  }

  /** Forget timers (engine shutdown). */
  dispose(): void {
    for (const branch of this.branches) this.clearTimers(branch);
  }

  // ---- branches --------------------------------------------------------------------------------

  private startNext(): void {
    const target = this.queue.shift();
    if (target === undefined) return;
    const branch: Branch = {
      target,
      request: undefined,
      destination: undefined,
      provisional: false,
      done: false,
      cancelSent: false,
      timers: new Set(),
    };
    this.branches.push(branch);
    this.launch(branch).catch((error: unknown) => {
      this.log.info({ err: error, target: target.hop }, 'branch could not be sent');
      if (!branch.done) this.completeBranch(branch, this.synthesise(branch, 503, 'Service Unavailable'), this.pseudoMeta(branch));
    });
  }

  private async launch(branch: Branch): Promise<void> {
    const destination = branch.target.flow ?? (await resolveUri(branch.target.hop));
    branch.destination = destination;
    if (this.stopped) {
      // Cancelled while the next hop was being resolved: nothing was sent, nothing to report.
      branch.done = true;
      this.advance();
      return;
    }
    const listeners = this.context.transport.listening();
    if (!listeners.some((listener) => listener.protocol === destination.protocol)) {
      throw new ProxyRequestError(`no ${destination.protocol} transport to reach ${branch.target.hop}`);
    }
    if (isOwnListener(destination, listeners, this.context.settings.externalAddress)) {
      throw new ProxyRequestError(`${branch.target.hop} is this engine (loop)`);
    }
    const local = this.context.transport.localFor(destination);
    const request = finishBranchRequest(
      this.settings.template,
      branch.target.requestUri,
      viaFor(this.context, local),
      this.wantsRecordRoute() ? this.recordRouteFor(local) : undefined,
    );
    branch.request = request;
    this.armTimers(branch);
    this.context.transactions.sendRequest(request, destination, this.userFor(branch));
  }

  /** Record-Route for dialog-forming requests; Path for REGISTER (RFC 3327). */
  private wantsRecordRoute(): boolean {
    const method = this.settings.template.method;
    return this.settings.recordRoute && (method === 'REGISTER' || DIALOG_FORMING.has(method));
  }

  private recordRouteFor(outbound: Endpoint): RecordRouteOptions {
    const source = this.settings.source;
    const inbound: Endpoint = { protocol: source.protocol, address: source.localAddress, port: source.localPort };
    return {
      inbound: { host: advertisedHost(this.context, inbound.address), local: inbound },
      outbound: { host: advertisedHost(this.context, outbound.address), local: outbound },
    };
  }

  private armTimers(branch: Branch): void {
    const { provisionalTimeoutMs, finalTimeoutMs } = this.settings;
    if (provisionalTimeoutMs !== undefined) {
      this.addTimer(branch, provisionalTimeoutMs, 'provisional timeout', () => {
        if (!branch.provisional && !branch.done) this.abandon(branch);
      });
    }
    const finalMs = finalTimeoutMs ?? (this.settings.request.method === 'INVITE' ? TIMER_C_MS : undefined);
    if (finalMs !== undefined) {
      this.addTimer(branch, finalMs, 'final timeout', () => {
        if (!branch.done) this.abandon(branch);
      });
    }
  }

  private addTimer(branch: Branch, ms: number, what: string, fn: () => void): void {
    const timer = unrefTimer(
      setTimeout(
        guarded(this.log, what, () => {
          branch.timers.delete(timer);
          fn();
        }),
        ms,
      ),
    );
    branch.timers.add(timer);
  }

  private clearTimers(branch: Branch): void {
    for (const timer of branch.timers) clearTimeout(timer);
    branch.timers.clear();
  }

  /** A branch that took too long: cancelled, and counted as a 408. */
  private abandon(branch: Branch): void {
    this.cancelBranch(branch);
    this.completeBranch(branch, this.synthesise(branch, 408, 'Request Timeout'), this.pseudoMeta(branch));
  }

  private userFor(branch: Branch): ClientTransactionUser {
    return {
      onResponse: (response, source) => this.onBranchResponse(branch, response, source),
      onTimeout: () => {
        if (!branch.done) this.completeBranch(branch, this.synthesise(branch, 408, 'Request Timeout'), this.pseudoMeta(branch));
      },
      onTransportError: (error) => {
        this.log.info({ err: error, target: branch.target.hop }, 'transport error on branch; counting it as 503');
        if (!branch.done) this.completeBranch(branch, this.synthesise(branch, 503, 'Service Unavailable'), this.pseudoMeta(branch));
      },
    };
  }

  private onBranchResponse(branch: Branch, response: SipResponse, source: Source): void {
    const status = response.status;
    if (status < 200) {
      branch.provisional = true;
      if (status === 100 || branch.done || this.decided) return;
      this.relay(response);
      return;
    }
    if (status < 300) {
      this.onSuccess(branch, response, source);
      return;
    }
    if (!branch.done) this.completeBranch(branch, response, networkMeta(source));
  }

  /** §16.7 step 5: every 2xx goes upstream at once; the first decides and cancels the rest. */
  private onSuccess(branch: Branch, response: SipResponse, source: Source): void {
    const firstForBranch = !branch.done;
    branch.done = true;
    this.clearTimers(branch);
    if (!this.decided) {
      this.decided = true;
      this.stopped = true;
      this.queue.length = 0;
      this.observer.onFinalResponse?.(response, networkMeta(source));
      this.relay(response);
      this.observer.onSuccess?.(response, branch.destination ?? source);
      for (const other of this.branches) if (other !== branch && !other.done) this.cancelBranch(other);
      this.observer.onDecided?.();
    } else {
      this.relay(response);
      if (firstForBranch) this.observer.onSuccess?.(response, branch.destination ?? source);
    }
    this.maybeFinish();
  }

  private completeBranch(branch: Branch, response: SipResponse, meta: MessageMeta): void {
    branch.done = true;
    this.clearTimers(branch);
    if (!this.decided) {
      this.observer.onFinalResponse?.(response, meta);
      const redirected = response.status < 400 && this.settings.followRedirects && !this.stopped ? this.redirectTargets(response) : [];
      if (redirected.length > 0) {
        if (this.settings.simultaneous) this.queue.push(...redirected);
        else this.queue.unshift(...redirected);
      } else {
        this.finals.push(this.upstreamCopy(response));
      }
      if (response.status >= 600) {
        this.stopped = true;
        this.queue.length = 0;
        for (const other of this.branches) if (!other.done) this.cancelBranch(other);
      }
    }
    this.advance();
  }

  /** §16.5: Contacts of a 3xx become new targets (SIP URIs only). */
  private redirectTargets(response: SipResponse): ProxyTarget[] {
    const targets: ProxyTarget[] = [];
    for (const contact of headerList(response, 'contact')) {
      const uri = uriOf(contact);
      if (parseSipUri(uri) === undefined) continue;
      targets.push({ requestUri: uri, hop: uri });
    }
    return targets;
  }

  private advance(): void {
    if (!this.decided && !this.stopped) {
      if (this.settings.simultaneous) while (this.queue.length > 0) this.startNext();
      else if (!this.branches.some((branch) => !branch.done)) this.startNext();
    }
    if (this.branches.some((branch) => !branch.done)) return;
    if (!this.decided) this.decide();
    this.maybeFinish();
  }

  /** §16.7 step 6: no 2xx came and nothing is pending: the best final goes upstream. */
  private decide(): void {
    this.decided = true;
    const best = chooseBestResponse(this.finals);
    let upstream: SipResponse;
    if (best === undefined) {
      upstream = this.localResponse(408, 'Request Timeout');
    } else if (best.status === 503) {
      // §16.7 step 6: a 503 from downstream would make the caller treat this proxy as unavailable.
      upstream = this.localResponse(500, 'Server Internal Error');
    } else {
      upstream = best;
    }
    this.respondUpstream(upstream);
    this.observer.onDecided?.();
  }

  private maybeFinish(): void {
    if (this.finished || !this.decided || this.branches.some((branch) => !branch.done)) return;
    this.finished = true;
    this.observer.onFinished();
  }

  /** §16.10 / §9.1: CANCEL for a pending INVITE branch, with the branch's Via; bounded by 64*T1. */
  private cancelBranch(branch: Branch): void {
    if (branch.cancelSent || branch.done) return;
    branch.cancelSent = true;
    const request = branch.request;
    const destination = branch.destination;
    if (request === undefined || destination === undefined) return; // still resolving: launch() sees `stopped`
    if (request.method !== 'INVITE') return; // non-INVITE requests run to their own end (timer F)
    const cancel = cancelRequestFor(request);
    fixContentLength(cancel);
    try {
      this.context.transactions.sendRequest(cancel, destination, IGNORE);
    } catch (error) {
      this.log.warn({ err: error }, 'CANCEL could not be sent');
    }
    this.addTimer(branch, 64 * this.context.settings.timers.T1, 'cancelled branch guard', () => {
      if (!branch.done) this.completeBranch(branch, this.synthesise(branch, 487, 'Request Terminated'), this.pseudoMeta(branch));
    });
  }

  // ---- responses -------------------------------------------------------------------------------

  /** A response from downstream, relayed upstream without the proxy's Via (§16.7 step 3). */
  private relay(response: SipResponse): void {
    this.respondUpstream(this.upstreamCopy(response));
  }

  /**
   * The response without the proxy's Via. Some UASes answer a cancelled INVITE with the Via of
   * the CANCEL (ours only); the caller's Vias are then taken from the request it sent.
   */
  private upstreamCopy(response: SipResponse): SipResponse {
    const stripped = withoutTopVia(response);
    if (stripped !== undefined) return stripped;
    const copy = new SipResponse(response.status, response.reason, response.version);
    copy.body = response.body;
    copy.headers = response.headers.filter((header) => normalizeHeaderName(header.name) !== 'via').map((header) => ({ ...header }));
    copy.headers.unshift(...this.settings.request.getAll('via').map((value) => ({ name: 'Via', value })));
    return copy;
  }

  private respondUpstream(response: SipResponse): void {
    const transaction = this.settings.serverTransaction;
    transaction.respond(response).catch((error: unknown) => {
      if (response.status < 200 || response.status >= 300) {
        this.log.debug({ err: error, status: response.status }, 'response not sent upstream');
        return;
      }
      // RFC 6026 §8.2: a 2xx after the server transaction ended still goes upstream, statelessly.
      const destination = responseDestination(this.settings.request, this.settings.source);
      detach(this.log, '2xx relayed statelessly', this.context.transactions.sendStateless(response, destination));
    });
  }

  /** A response the proxy makes itself for the caller (408, 500), To-tagged. */
  private localResponse(status: number, reason: string): SipResponse {
    const response = buildResponse(this.settings.request, status, reason, newTag());
    fixContentLength(response);
    return response;
  }

  /** A response standing in for a branch that timed out or failed; it carries the branch's Via. */
  private synthesise(branch: Branch, status: number, reason: string): SipResponse {
    const base = branch.request ?? this.withPlaceholderVia();
    const response = buildResponse(base, status, reason, newTag());
    fixContentLength(response);
    return response;
  }

  /** The received request with one Via more, so that synthesised responses look like relayed ones. */
  private withPlaceholderVia(): SipRequest {
    const request = new SipRequest(this.settings.request.method, this.settings.request.uri);
    request.headers = this.settings.request.headers.map((header) => ({ ...header }));
    request.prepend('Via', 'SIP/2.0/UDP 0.0.0.0;branch=z9hG4bKunsent');
    return request;
  }

  private pseudoMeta(branch: Branch): MessageMeta {
    const destination = branch.destination;
    return {
      source: 'application',
      bytes: 0,
      protocol: destination?.protocol ?? this.settings.source.protocol,
      address: destination?.address ?? '',
      port: destination?.port ?? 0,
    };
  }
}

const IGNORE: ClientTransactionUser = {
  onResponse: () => undefined,
  onTimeout: () => undefined,
  onTransportError: () => undefined,
};

/** Bytes are filled in by whoever formats the response. */
function networkMeta(source: Source): MessageMeta {
  return { source: 'network', bytes: 0, protocol: source.protocol, address: source.address, port: source.port };
}
