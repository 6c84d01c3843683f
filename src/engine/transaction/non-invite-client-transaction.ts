import type { SipRequest, SipResponse } from '../message/sip-message';
import type { Endpoint, Source } from '../transport/types';
import { ClientTransactionBase } from './client-transaction';
import { callUser, type TransactionContext } from './transaction-context';
import { checkTransition, TransactionState, type TransitionTable } from './transaction-state';
import { TransactionTimers, transactionTimerValues, type TransactionTimerValues } from './timers';
import type { ClientTransactionUser } from './types';

const { Trying, Proceeding, Completed, Terminated } = TransactionState;

/** RFC 3261 Figure 6. Terminated is reachable from every state (transport error, dispose). */
const EDGES: TransitionTable = {
  [Trying]: [Proceeding, Completed, Terminated],
  [Proceeding]: [Completed, Terminated],
  [Completed]: [Terminated],
};

type NonInviteClientTimer = 'E' | 'F' | 'K';

/** Non-INVITE client transaction (RFC 3261 §17.1.2). */
export class NonInviteClientTransaction extends ClientTransactionBase {
  private readonly values: TransactionTimerValues;
  private readonly timers: TransactionTimers<NonInviteClientTimer>;
  private timerEInterval = 0;

  constructor(branch: string, request: SipRequest, destination: Endpoint, tu: ClientTransactionUser, context: TransactionContext) {
    super(branch, request, destination, tu, context, Trying);
    this.values = transactionTimerValues(context.timers, this.reliable);
    this.timers = new TransactionTimers(context);
  }

  start(): void {
    if (this.request !== undefined) this.send(this.request);
    // RFC 3261 §17.1.2.2: "the client transaction MUST set timer F to fire in 64*T1 seconds" and, for
    // unreliable transports, "timer E to fire in T1 seconds".
    if (this.values.retransmit !== undefined) {
      this.timerEInterval = this.values.retransmit;
      this.timers.start('E', this.timerEInterval, () => this.timerE());
    }
    this.timers.start('F', this.values.F, () => this.timerF());
  }

  receiveResponse(response: SipResponse, source: Source): void {
    if (this.currentState !== Trying && this.currentState !== Proceeding) {
      // RFC 3261 §17.1.2.2: in Completed the transaction buffers (absorbs) response retransmissions.
      return;
    }
    if (response.status < 200) {
      // RFC 3261 §17.1.2.2: a provisional response moves Trying to Proceeding and goes to the TU.
      if (this.currentState === Trying) this.transition(Proceeding);
    } else {
      // RFC 3261 §17.1.2.2: a final response moves to Completed and goes to the TU.
      this.transition(Completed);
    }
    this.deliver(response, source);
  }

  protected transition(to: TransactionState): void {
    checkTransition('NonInviteClientTransaction', EDGES, this.currentState, to);
    this.context.trace({ from: this.currentState, to }, 'non-invite client transaction state');
    this.currentState = to;
    switch (to) {
      case Completed:
        this.releaseRequest();
        this.timers.clear('E');
        this.timers.clear('F');
        // RFC 3261 §17.1.2.2: timer K, T4 for unreliable transports, zero for reliable ones.
        this.timers.start('K', this.values.K, () => {
          if (this.currentState === Completed) this.transition(Terminated);
        });
        break;
      case Terminated:
        this.timers.clearAll();
        this.context.onTerminated();
        break;
      default:
        break;
    }
  }

  /**
   * RFC 3261 §17.1.2.2: timer E retransmits the request; in Trying its interval doubles up to T2,
   * in Proceeding it is reset to T2.
   */
  private timerE(): void {
    if (this.currentState !== Trying && this.currentState !== Proceeding) return;
    if (this.request !== undefined) this.send(this.request);
    this.timerEInterval =
      this.currentState === Trying ? Math.min(2 * this.timerEInterval, this.values.retransmitCap) : this.values.retransmitCap;
    this.timers.start('E', this.timerEInterval, () => this.timerE());
  }

  /** RFC 3261 §17.1.2.2: timer F in Trying or Proceeding → inform the TU of a timeout, go to Terminated. */
  private timerF(): void {
    if (this.currentState !== Trying && this.currentState !== Proceeding) return;
    this.transition(Terminated);
    callUser(this.context.log, 'onTimeout', () => this.tu.onTimeout());
  }
}
