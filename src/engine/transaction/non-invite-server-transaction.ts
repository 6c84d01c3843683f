import type { SipRequest, SipResponse } from '../message/sip-message';
import type { Endpoint, Source } from '../transport/types';
import { RetainedMessage } from './retained-message';
import { ServerTransactionBase } from './server-transaction';
import type { TransactionContext } from './transaction-context';
import { checkTransition, TransactionState, TransactionStateError, type TransitionTable } from './transaction-state';
import { TransactionTimers, transactionTimerValues, type TransactionTimerValues } from './timers';
import type { ServerTransactionOptions } from './types';

const { Trying, Proceeding, Completed, Terminated } = TransactionState;

/** RFC 3261 Figure 8. Terminated is reachable from every state (transport error, dispose). */
const EDGES: TransitionTable = {
  [Trying]: [Proceeding, Completed, Terminated],
  [Proceeding]: [Completed, Terminated],
  [Completed]: [Terminated],
};

type NonInviteServerTimer = 'J';

/** Non-INVITE server transaction (RFC 3261 §17.2.2). */
export class NonInviteServerTransaction extends ServerTransactionBase {
  private readonly values: TransactionTimerValues;
  private readonly timers: TransactionTimers<NonInviteServerTimer>;
  /** A provisional as given; a final only as bytes (see RetainedMessage). */
  private lastResponse: SipResponse | RetainedMessage | undefined;

  constructor(
    branch: string,
    request: SipRequest,
    source: Source,
    destination: Endpoint,
    context: TransactionContext,
    options: ServerTransactionOptions = {},
  ) {
    super(branch, request, source, destination, context, options, Trying);
    this.values = transactionTimerValues(context.timers, this.reliable);
    this.timers = new TransactionTimers(context);
  }

  async respond(response: SipResponse): Promise<void> {
    if (this.currentState !== Trying && this.currentState !== Proceeding) {
      throw new TransactionStateError(
        `NonInviteServerTransaction: cannot send ${response.status} in state ${this.currentState}`,
      );
    }
    // RFC 3261 §17.2.2: a provisional from the TU moves Trying to Proceeding; a final (200-699)
    // moves Trying or Proceeding to Completed.
    if (response.status < 200) {
      this.lastResponse = response;
      if (this.currentState === Trying) this.transition(Proceeding);
    } else {
      this.lastResponse = RetainedMessage.of(response);
      this.transition(Completed);
    }
    await this.sendFromTu(response);
  }

  receiveRequest(_request: SipRequest): boolean {
    // RFC 3261 §17.2.2: retransmissions are absorbed in Trying and answered with the last response
    // in Proceeding and Completed.
    if ((this.currentState === Proceeding || this.currentState === Completed) && this.lastResponse !== undefined) {
      this.retransmit(this.lastResponse);
    }
    return false;
  }

  protected transition(to: TransactionState): void {
    checkTransition('NonInviteServerTransaction', EDGES, this.currentState, to);
    this.context.trace({ from: this.currentState, to }, 'non-invite server transaction state');
    this.currentState = to;
    switch (to) {
      case Completed:
        this.releaseRequest();
        // RFC 3261 §17.2.2: timer J, 64*T1 for unreliable transports, zero for reliable ones.
        this.timers.start('J', this.values.J, () => {
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
}
