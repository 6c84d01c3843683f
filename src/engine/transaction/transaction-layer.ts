import type pino from 'pino';
import type { AnySipMessage, SipRequest, SipResponse } from '../message/sip-message';
import { responseDestination } from '../transport/response-destination';
import type { Endpoint, ReceivedMessage, SentMessage, Source, TransportLayer } from '../transport/types';
import type { ClientTransactionBase } from './client-transaction';
import { TransactionRequestError } from './errors';
import { InviteClientTransaction } from './invite-client-transaction';
import { InviteServerTransaction } from './invite-server-transaction';
import { NonInviteClientTransaction } from './non-invite-client-transaction';
import { NonInviteServerTransaction } from './non-invite-server-transaction';
import type { ServerTransactionBase } from './server-transaction';
import { callUser, type TransactionContext } from './transaction-context';
import { clientKey, clientKeyOfResponse, serverKey, topBranch } from './transaction-matching';
import type {
  ClientTransaction,
  ClientTransactionUser,
  ServerTransaction,
  ServerTransactionOptions,
  TimerSettings,
  TransactionLayerUser,
} from './types';

/**
 * The transaction layer of RFC 3261 §17: owns every client and server transaction, matches
 * incoming messages to them (§17.1.3, §17.2.3) and passes the rest to the core.
 * It registers itself as the transport's message handler; `close()` does not close the transport.
 */
export class TransactionLayer {
  private readonly clients = new Map<string, ClientTransactionBase>();
  private readonly servers = new Map<string, ServerTransactionBase>();

  constructor(
    private readonly transport: TransportLayer,
    private readonly timers: TimerSettings,
    private readonly user: TransactionLayerUser,
    private readonly log: pino.Logger,
  ) {
    transport.onMessage((received) => this.onMessage(received));
  }

  /**
   * Start a client transaction. The request already carries its top Via with a unique branch.
   * Throws TransactionRequestError for an ACK (send it with `sendStateless`), a missing branch or
   * a branch already in use for this method.
   */
  sendRequest(request: SipRequest, destination: Endpoint, tu: ClientTransactionUser): ClientTransaction {
    if (request.method === 'ACK') throw new TransactionRequestError('ACK is sent statelessly, not in a transaction');
    const branch = topBranch(request);
    if (branch === undefined) throw new TransactionRequestError('request has no top Via branch');
    const key = clientKey(branch, request.method);
    if (this.clients.has(key)) throw new TransactionRequestError(`client transaction ${branch} ${request.method} exists`);
    const context = this.context(branch, request.method, () => {
      if (this.clients.get(key) === transaction) this.clients.delete(key);
    });
    const transaction: ClientTransactionBase =
      request.method === 'INVITE'
        ? new InviteClientTransaction(branch, request, destination, tu, context)
        : new NonInviteClientTransaction(branch, request, destination, tu, context);
    this.clients.set(key, transaction);
    transaction.start();
    return transaction;
  }

  /**
   * Create the server transaction for a request the core received through `onRequest`. Returns the
   * existing one if the request already has a transaction. Throws TransactionRequestError for ACK
   * or a request without a usable top Via.
   */
  createServerTransaction(request: SipRequest, source: Source, options: ServerTransactionOptions = {}): ServerTransaction {
    if (request.method === 'ACK') throw new TransactionRequestError('ACK does not create a server transaction');
    const key = serverKey(request);
    if (key === undefined) throw new TransactionRequestError('request has no usable top Via');
    const existing = this.servers.get(key);
    if (existing !== undefined) return existing;
    const branch = topBranch(request) ?? '';
    const context = this.context(branch, request.method, () => {
      if (this.servers.get(key) === transaction) this.servers.delete(key);
    });
    const destination = responseDestination(request, source);
    const transaction: ServerTransactionBase =
      request.method === 'INVITE'
        ? new InviteServerTransaction(branch, request, source, destination, context, options)
        : new NonInviteServerTransaction(branch, request, source, destination, context, options);
    this.servers.set(key, transaction);
    return transaction;
  }

  /** The server transaction a request belongs to (§17.2.3; an ACK finds its INVITE's). */
  findServerTransaction(request: SipRequest): ServerTransaction | undefined {
    const key = serverKey(request);
    return key === undefined ? undefined : this.servers.get(key);
  }

  /**
   * RFC 3261 §9.2: the INVITE server transaction a CANCEL refers to is matched like §17.2.3, but
   * with method INVITE instead of CANCEL.
   */
  findInviteServerTransactionForCancel(cancel: SipRequest): ServerTransaction | undefined {
    const key = serverKey(cancel, 'INVITE');
    return key === undefined ? undefined : this.servers.get(key);
  }

  /** Send outside any transaction (ACK for a 2xx, 2xx retransmissions, stateless responses). Rejects with TransportError. */
  sendStateless(message: AnySipMessage, destination: Endpoint): Promise<SentMessage> {
    return this.transport.send(message, destination);
  }

  counts(): { client: number; server: number } {
    return { client: this.clients.size, server: this.servers.size };
  }

  /** Dispose every transaction (timers stop; nobody is told). */
  close(): void {
    for (const transaction of [...this.clients.values(), ...this.servers.values()]) transaction.dispose();
    this.clients.clear();
    this.servers.clear();
  }

  private context(branch: string, method: string, onTerminated: () => void): TransactionContext {
    return new LayerTransactionContext(this.transport, this.timers, this.log, branch, method, onTerminated);
  }

  private onMessage(received: ReceivedMessage): void {
    try {
      if (received.message.kind === 'request') this.onRequest(received.message, received.source);
      else this.onResponse(received.message, received.source);
    } catch (error) {
      this.log.error({ err: error }, 'transaction layer failed to handle a message');
    }
  }

  private onRequest(request: SipRequest, source: Source): void {
    const key = serverKey(request);
    if (key === undefined) {
      this.log.warn({ method: request.method, source: `${source.address}:${source.port}` }, 'request without usable Via dropped');
      return;
    }
    const transaction = this.servers.get(key);
    if (transaction !== undefined) {
      // RFC 3261 §17.2.3: a matching request is a retransmission (absorbed by the transaction) or
      // the ACK of the INVITE; only an ACK for a 2xx in Accepted goes on to the TU (RFC 6026).
      if (!transaction.receiveRequest(request)) return;
    }
    callUser(this.log, 'onRequest', () => this.user.onRequest(request, source));
  }

  private onResponse(response: SipResponse, source: Source): void {
    const key = clientKeyOfResponse(response);
    const transaction = key === undefined ? undefined : this.clients.get(key);
    if (transaction !== undefined) {
      transaction.receiveResponse(response, source);
      return;
    }
    callUser(this.log, 'onStrayResponse', () => this.user.onStrayResponse(response, source));
  }
}

/**
 * A pino child logger costs about 1 KB and completed transactions are kept 32 s on UDP (tens of
 * thousands at high rates), while most of them never log: the child is made on first use.
 */
class LayerTransactionContext implements TransactionContext {
  private child: pino.Logger | undefined;

  constructor(
    readonly sender: TransportLayer,
    readonly timers: TimerSettings,
    private readonly parent: pino.Logger,
    private readonly branch: string,
    private readonly method: string,
    readonly onTerminated: () => void,
  ) {}

  get log(): pino.Logger {
    this.child ??= this.parent.child({ branch: this.branch, method: this.method });
    return this.child;
  }

  trace(fields: Record<string, unknown>, message: string): void {
    if (this.parent.isLevelEnabled('debug')) this.parent.debug({ branch: this.branch, method: this.method, ...fields }, message);
  }
}
