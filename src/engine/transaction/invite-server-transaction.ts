import type { SipRequest, SipResponse } from '../message/sip-message';
import { responseFromRequest } from '../transport/response-from-request';
import type { Endpoint, Source } from '../transport/types';
import { RetainedMessage } from './retained-message';
import { ServerTransactionBase } from './server-transaction';
import { callUser, type TransactionContext } from './transaction-context';
import { checkTransition, TransactionState, TransactionStateError, type TransitionTable } from './transaction-state';
import { TransactionTimers, transactionTimerValues, type TransactionTimerValues } from './timers';
import type { ServerTransactionOptions } from './types';

const { Proceeding, Completed, Confirmed, Accepted, Terminated } = TransactionState;

/** RFC 3261 Figure 7 as amended by RFC 6026 Figure 5. Terminated is reachable from every state (transport error, dispose). */
const EDGES: TransitionTable = {
  [Proceeding]: [Completed, Accepted, Terminated],
  [Completed]: [Confirmed, Terminated],
  [Confirmed]: [Terminated],
  [Accepted]: [Terminated],
};

/** RFC 3261 §17.2.1: the TU has 200 ms to answer before the transaction sends 100 Trying itself. */
const AUTO_TRYING_DELAY_MS = 200;

type InviteServerTimer = 'Trying' | 'G' | 'H' | 'I' | 'L';

/** INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1). */
export class InviteServerTransaction extends ServerTransactionBase {
  private readonly values: TransactionTimerValues;
  private readonly timers: TransactionTimers<InviteServerTimer>;
  private timerGInterval = 0;
  private lastProvisional: SipResponse | undefined;
  private finalResponse: RetainedMessage | undefined;

  constructor(
    branch: string,
    request: SipRequest,
    source: Source,
    destination: Endpoint,
    context: TransactionContext,
    options: ServerTransactionOptions = {},
  ) {
    super(branch, request, source, destination, context, options, Proceeding);
    this.values = transactionTimerValues(context.timers, this.reliable);
    this.timers = new TransactionTimers(context);
    // RFC 3261 §17.2.1: "the server transaction MUST generate a 100 (Trying) response unless it knows
    // that the TU will generate a provisional or final response within 200 ms".
    if (options.autoTrying === true) {
      this.timers.start('Trying', AUTO_TRYING_DELAY_MS, () => {
        if (this.currentState !== Proceeding || this.lastProvisional !== undefined) return;
        const request = this.request;
        if (request === undefined) return;
        this.lastProvisional = responseFromRequest(request, 100, 'Trying');
        this.retransmit(this.lastProvisional);
      });
    }
  }

  async respond(response: SipResponse): Promise<void> {
    const status = response.status;
    if (status < 200) {
      // RFC 3261 §17.2.1: provisional responses from the TU are sent while in Proceeding.
      if (this.currentState !== Proceeding) throw this.stateError(response);
      this.timers.clear('Trying');
      this.lastProvisional = response;
    } else if (status < 300) {
      // RFC 6026 §7.1: a 2xx moves Proceeding to Accepted; in Accepted further 2xx from the TU (the
      // core's §13.3.1.4 retransmissions) are sent as they are.
      if (this.currentState === Proceeding) this.transition(Accepted);
      else if (this.currentState !== Accepted) throw this.stateError(response);
    } else {
      // RFC 3261 §17.2.1: a 300-699 response from the TU moves Proceeding to Completed.
      if (this.currentState !== Proceeding) throw this.stateError(response);
      this.finalResponse = RetainedMessage.of(response);
      this.transition(Completed);
    }
    await this.sendFromTu(response);
  }

  receiveRequest(request: SipRequest): boolean {
    if (request.method === 'ACK') {
      // RFC 3261 §17.2.1: an ACK in Completed moves to Confirmed; further ACKs are absorbed.
      if (this.currentState === Completed) this.transition(Confirmed);
      // RFC 6026 §7.1: an ACK matching a transaction in Accepted is passed to the TU.
      return this.currentState === Accepted;
    }
    switch (this.currentState) {
      case Proceeding: {
        // RFC 3261 §17.2.1: a retransmitted INVITE in Proceeding gets the most recent provisional
        // response. The core answered the first copy with a stateless 100, so we repeat that when the
        // TU has not sent a provisional yet.
        this.lastProvisional ??= responseFromRequest(this.request ?? request, 100, 'Trying');
        this.retransmit(this.lastProvisional);
        return false;
      }
      case Completed:
        // RFC 3261 §17.2.1: a retransmitted INVITE in Completed gets the final response again.
        if (this.finalResponse !== undefined) this.retransmit(this.finalResponse);
        return false;
      default:
        // RFC 6026 §7.1: retransmitted INVITEs in Accepted are absorbed, not passed to the TU.
        return false;
    }
  }

  protected transition(to: TransactionState): void {
    checkTransition('InviteServerTransaction', EDGES, this.currentState, to);
    this.context.trace({ from: this.currentState, to }, 'invite server transaction state');
    this.currentState = to;
    switch (to) {
      case Completed:
        this.timers.clear('Trying');
        this.releaseRequest();
        this.lastProvisional = undefined;
        // RFC 3261 §17.2.1: timer G (unreliable transports only) retransmits the final; timer H bounds
        // the wait for the ACK on every transport.
        if (this.values.retransmit !== undefined) {
          this.timerGInterval = this.values.retransmit;
          this.timers.start('G', this.timerGInterval, () => this.timerG());
        }
        this.timers.start('H', this.values.H, () => this.timerH());
        break;
      case Confirmed:
        this.timers.clear('G');
        this.timers.clear('H');
        // RFC 3261 §17.2.1: timer I (T4 unreliable, 0 reliable) absorbs ACK retransmissions.
        this.timers.start('I', this.values.I, () => {
          if (this.currentState === Confirmed) this.transition(Terminated);
        });
        break;
      case Accepted:
        this.timers.clear('Trying');
        this.releaseRequest();
        this.lastProvisional = undefined;
        // RFC 6026 §7.1: timer L = 64*T1 keeps the transaction to absorb INVITE retransmissions.
        this.timers.start('L', this.values.L, () => {
          if (this.currentState === Accepted) this.transition(Terminated);
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

  /** RFC 3261 §17.2.1: timer G re-sends the final response, doubling its interval up to T2. */
  private timerG(): void {
    if (this.currentState !== Completed || this.finalResponse === undefined) return;
    this.retransmit(this.finalResponse);
    this.timerGInterval = Math.min(2 * this.timerGInterval, this.values.retransmitCap);
    this.timers.start('G', this.timerGInterval, () => this.timerG());
  }

  /** RFC 3261 §17.2.1: timer H fired in Completed: the ACK never came; Terminated, and the TU is told. */
  private timerH(): void {
    if (this.currentState !== Completed) return;
    this.context.log.info('timer H: no ACK for the final response');
    this.transition(Terminated);
    const onTimeout = this.options.onTimeout;
    if (onTimeout !== undefined) callUser(this.context.log, 'onTimeout', () => onTimeout());
  }

  private stateError(response: SipResponse): TransactionStateError {
    return new TransactionStateError(`InviteServerTransaction: cannot send ${response.status} in state ${this.currentState}`);
  }
}
