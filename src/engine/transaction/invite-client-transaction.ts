import { splitCommaList } from '../message';
import { SipRequest, type SipResponse } from '../message/sip-message';
import type { Endpoint, Source } from '../transport/types';
import { ClientTransactionBase } from './client-transaction';
import { RetainedMessage } from './retained-message';
import { callUser, type TransactionContext } from './transaction-context';
import { checkTransition, TransactionState, type TransitionTable } from './transaction-state';
import { TransactionTimers, transactionTimerValues, type TransactionTimerValues } from './timers';
import type { ClientTransactionUser } from './types';

const { Calling, Proceeding, Completed, Accepted, Terminated } = TransactionState;

/** RFC 3261 Figure 5 as amended by RFC 6026 Figure 3. Terminated is reachable from every state (transport error, dispose). */
const EDGES: TransitionTable = {
  [Calling]: [Proceeding, Completed, Accepted, Terminated],
  [Proceeding]: [Completed, Accepted, Terminated],
  [Completed]: [Terminated],
  [Accepted]: [Terminated],
};

type InviteClientTimer = 'A' | 'B' | 'D' | 'M';

/** INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §7.2). */
export class InviteClientTransaction extends ClientTransactionBase {
  private readonly values: TransactionTimerValues;
  private readonly timers: TransactionTimers<InviteClientTimer>;
  private timerAInterval = 0;
  /** The ACK for a non-2xx final, kept so that retransmitted finals get the very same ACK. */
  private ack: RetainedMessage | undefined;

  constructor(branch: string, request: SipRequest, destination: Endpoint, tu: ClientTransactionUser, context: TransactionContext) {
    super(branch, request, destination, tu, context, Calling);
    this.values = transactionTimerValues(context.timers, this.reliable);
    this.timers = new TransactionTimers(context);
  }

  start(): void {
    if (this.request !== undefined) this.send(this.request);
    // RFC 3261 §17.1.1.2: "If an unreliable transport is being used, the client transaction MUST start
    // timer A with a value of T1 ... For any transport, the client transaction MUST start timer B
    // with a value of 64*T1 seconds."
    if (this.values.retransmit !== undefined) {
      this.timerAInterval = this.values.retransmit;
      this.timers.start('A', this.timerAInterval, () => this.timerA());
    }
    this.timers.start('B', this.values.B, () => this.timerB());
  }

  receiveResponse(response: SipResponse, source: Source): void {
    const status = response.status;
    switch (this.currentState) {
      case Calling:
      case Proceeding:
        if (status < 200) {
          // RFC 3261 §17.1.1.2: a provisional response moves Calling to Proceeding and goes to the TU.
          if (this.currentState === Calling) this.transition(Proceeding);
          this.deliver(response, source);
        } else if (status < 300) {
          // RFC 6026 §7.2: a 2xx moves the transaction to Accepted; the TU (core) sends the ACK.
          this.transition(Accepted);
          this.deliver(response, source);
        } else {
          // RFC 3261 §17.1.1.2: a 300-699 response moves to Completed; the transaction sends the ACK
          // and passes the response up.
          const invite = this.request;
          if (invite !== undefined) this.ack = RetainedMessage.of(buildAck(invite, response));
          this.transition(Completed);
          if (this.ack !== undefined) this.send(this.ack);
          this.deliver(response, source);
        }
        return;
      case Completed:
        // RFC 3261 §17.1.1.2: "Any retransmissions of the final response that are received while in the
        // 'Completed' state MUST cause the ACK to be re-passed to the transport layer ... but the newly
        // received response MUST NOT be passed up to the TU."
        if (status >= 300 && this.ack !== undefined) this.send(this.ack);
        return;
      case Accepted:
        // RFC 6026 §7.2: a retransmitted 2xx in Accepted is passed to the TU so that the core re-ACKs.
        if (status >= 200 && status < 300) this.deliver(response, source);
        return;
      default:
        return;
    }
  }

  protected transition(to: TransactionState): void {
    checkTransition('InviteClientTransaction', EDGES, this.currentState, to);
    this.context.trace({ from: this.currentState, to }, 'invite client transaction state');
    this.currentState = to;
    switch (to) {
      case Proceeding:
        this.timers.clear('A');
        this.timers.clear('B');
        break;
      case Completed:
        this.releaseRequest();
        this.timers.clear('A');
        this.timers.clear('B');
        // RFC 3261 §17.1.1.2: timer D, 32 s for unreliable transports, zero for reliable ones.
        this.timers.start('D', this.values.D, () => this.transitionOnTimer('D', Completed));
        break;
      case Accepted:
        this.releaseRequest();
        this.timers.clear('A');
        this.timers.clear('B');
        // RFC 6026 §7.2: timer M = 64*T1 keeps the transaction around to catch retransmitted 2xx.
        this.timers.start('M', this.values.M, () => this.transitionOnTimer('M', Accepted));
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
   * RFC 3261 §17.1.1.2: "When timer A fires, the client transaction MUST retransmit the request ...
   * and reset the timer with a value of 2*T1" (A is doubled on every firing, with no T2 cap).
   */
  private timerA(): void {
    if (this.currentState !== Calling) return;
    if (this.request !== undefined) this.send(this.request);
    this.timerAInterval *= 2;
    this.timers.start('A', this.timerAInterval, () => this.timerA());
  }

  /** RFC 3261 §17.1.1.2: timer B fires in Calling → inform the TU of a timeout, go to Terminated. */
  private timerB(): void {
    if (this.currentState !== Calling) return;
    this.transition(Terminated);
    callUser(this.context.log, 'onTimeout', () => this.tu.onTimeout());
  }

  private transitionOnTimer(timer: InviteClientTimer, expected: TransactionState): void {
    if (this.currentState !== expected) return;
    this.context.trace({ timer }, 'timer fired');
    this.transition(Terminated);
  }
}

/**
 * RFC 3261 §17.1.1.3: the ACK for a non-2xx final has the INVITE's Request-URI, Call-ID, From,
 * CSeq number (method ACK), its top Via only, the To of the response (with its tag), and the
 * INVITE's Route headers.
 */
function buildAck(invite: SipRequest, response: SipResponse): SipRequest {
  const ack = new SipRequest('ACK', invite.uri);
  const topVia = invite.get('via');
  if (topVia !== undefined) ack.append('Via', splitCommaList(topVia)[0]);
  for (const route of invite.getAll('route')) ack.append('Route', route);
  ack.append('Max-Forwards', '70');
  ack.append('From', invite.get('from') ?? '');
  ack.append('To', response.get('to') ?? invite.get('to') ?? '');
  ack.append('Call-ID', invite.callId);
  ack.append('CSeq', `${cseqNumber(invite.get('cseq'))} ACK`);
  ack.append('Content-Length', '0');
  return ack;
}

function cseqNumber(cseq: string | undefined): string {
  if (cseq === undefined) return '0';
  const trimmed = cseq.trim();
  const space = trimmed.search(/\s/);
  return space === -1 ? trimmed : trimmed.slice(0, space);
}
