import type { SipRequest, SipResponse } from '../message/sip-message';
import type { Endpoint, Source } from '../transport/types';
import { RetainedMessage } from './retained-message';
import { callUser, type TransactionContext } from './transaction-context';
import { TransactionState } from './transaction-state';
import type { ClientTransaction, ClientTransactionUser } from './types';

/** What the INVITE and non-INVITE client machines share: identity, sending, transport-error handling. */
export abstract class ClientTransactionBase implements ClientTransaction {
  protected currentState: TransactionState;
  protected readonly reliable: boolean;
  private retainedRequest: SipRequest | undefined;

  constructor(
    readonly branch: string,
    request: SipRequest,
    readonly destination: Endpoint,
    protected readonly tu: ClientTransactionUser,
    protected readonly context: TransactionContext,
    initial: TransactionState,
  ) {
    this.currentState = initial;
    this.reliable = destination.protocol === 'tcp';
    this.retainedRequest = request;
  }

  /** The request, until a final response has arrived (see `releaseRequest`). */
  get request(): SipRequest | undefined {
    return this.retainedRequest;
  }

  get state(): TransactionState {
    return this.currentState;
  }

  /** Send the request for the first time and start the timers of the initial state. */
  abstract start(): void;

  /** A response whose top Via branch and CSeq method match this transaction (§17.1.3). */
  abstract receiveResponse(response: SipResponse, source: Source): void;

  /** Stop all timers and forget the transaction, without telling the TU. */
  dispose(): void {
    if (this.currentState !== TransactionState.Terminated) this.transition(TransactionState.Terminated);
  }

  protected abstract transition(to: TransactionState): void;

  /**
   * After a final response the request is never re-sent: drop it, so that transactions waiting out
   * timer K, D or M (up to 32 s on UDP) stay small.
   */
  protected releaseRequest(): void {
    this.retainedRequest = undefined;
  }

  protected send(message: SipRequest | RetainedMessage): void {
    const sending =
      message instanceof RetainedMessage
        ? this.context.sender.sendRaw(message.bytes(), this.destination)
        : this.context.sender.send(message, this.destination);
    sending.catch((error: unknown) => this.onTransportFailure(error));
  }

  /**
   * RFC 3261 §17.1.4: when the transport reports a failure, the client transaction informs the TU
   * and moves straight to Terminated.
   */
  private onTransportFailure(error: unknown): void {
    if (this.currentState === TransactionState.Terminated) return;
    const failure = error instanceof Error ? error : new Error(String(error));
    this.context.log.warn({ err: failure, state: this.currentState }, 'client transaction transport error');
    this.transition(TransactionState.Terminated);
    callUser(this.context.log, 'onTransportError', () => this.tu.onTransportError(failure));
  }

  protected deliver(response: SipResponse, source: Source): void {
    callUser(this.context.log, 'onResponse', () => this.tu.onResponse(response, source));
  }
}
