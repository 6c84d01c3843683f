import { SipResponse, type SipRequest } from '../message/sip-message';
import { TransportError, type Endpoint, type Source } from '../transport/types';
import type { RetainedMessage } from './retained-message';
import { callUser, type TransactionContext } from './transaction-context';
import { TransactionState } from './transaction-state';
import type { ServerTransaction, ServerTransactionOptions } from './types';

/** What the INVITE and non-INVITE server machines share: identity, sending, transport-error handling. */
export abstract class ServerTransactionBase implements ServerTransaction {
  protected currentState: TransactionState;
  protected readonly reliable: boolean;
  private retainedRequest: SipRequest | undefined;

  /**
   * @param destination where responses go (§18.2.2), computed by the layer from the top Via and
   * the source (for TCP, the connection the request came in on).
   */
  constructor(
    readonly branch: string,
    request: SipRequest,
    readonly source: Source,
    readonly destination: Endpoint,
    protected readonly context: TransactionContext,
    protected readonly options: ServerTransactionOptions,
    initial: TransactionState,
  ) {
    this.currentState = initial;
    this.reliable = destination.protocol === 'tcp';
    this.retainedRequest = request;
  }

  /** The request, until the transaction no longer needs it (see `releaseRequest`). */
  get request(): SipRequest | undefined {
    return this.retainedRequest;
  }

  get state(): TransactionState {
    return this.currentState;
  }

  abstract respond(response: SipResponse): Promise<void>;

  /**
   * A request matching this transaction (§17.2.3): a retransmission, or an ACK for an INVITE.
   * Returns true when the request must be passed to the TU (the ACK of a 2xx in Accepted).
   */
  abstract receiveRequest(request: SipRequest): boolean;

  dispose(): void {
    if (this.currentState !== TransactionState.Terminated) this.transition(TransactionState.Terminated);
  }

  protected abstract transition(to: TransactionState): void;

  /**
   * Once the final response is sent, retransmissions are answered from the kept response bytes:
   * the parsed request is dropped so that completed transactions (kept 32 s on UDP) stay small.
   */
  protected releaseRequest(): void {
    this.retainedRequest = undefined;
  }

  /** Send a response the TU gave us; the promise rejects with TransportError and the transaction terminates. */
  protected async sendFromTu(response: SipResponse): Promise<void> {
    try {
      await this.context.sender.send(response, this.destination);
    } catch (error) {
      this.onTransportFailure(error, false);
      throw error instanceof TransportError ? error : new TransportError(String(error));
    }
  }

  /** Send a retransmission nobody awaits; a failure is reported through `options.onTransportError`. */
  protected retransmit(response: SipResponse | RetainedMessage): void {
    const sending =
      response instanceof SipResponse
        ? this.context.sender.send(response, this.destination)
        : this.context.sender.sendRaw(response.bytes(), this.destination);
    sending.catch((error: unknown) => this.onTransportFailure(error, true));
  }

  /**
   * RFC 3261 §17.2.4: on a transport failure the server transaction informs the TU and moves to
   * Terminated.
   */
  private onTransportFailure(error: unknown, notify: boolean): void {
    if (this.currentState === TransactionState.Terminated) return;
    const failure = error instanceof Error ? error : new Error(String(error));
    this.context.log.warn({ err: failure, state: this.currentState }, 'server transaction transport error');
    this.transition(TransactionState.Terminated);
    const onTransportError = this.options.onTransportError;
    if (notify && onTransportError !== undefined) {
      callUser(this.context.log, 'onTransportError', () => onTransportError(failure));
    }
  }
}
