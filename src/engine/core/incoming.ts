/**
 * Requests from the network that an app has to answer (S1/S2), by the transaction id given to the
 * app (wire protocol §6.2) and by server transaction (for CANCEL matching).
 */
import type { AppConnection } from '../control/types';
import type { SipRequest, SipResponse } from '../message/sip-message';
import type { ServerTransaction } from '../transaction/types';
import type { Source } from '../transport/types';

/** A reliable provisional waiting for its PRACK (RFC 3262 §3). */
export interface ReliableProvisional {
  rseq: number;
  response: SipResponse;
  retransmit?: NodeJS.Timeout;
  giveUp: NodeJS.Timeout;
}

export interface IncomingRequest {
  readonly transactionId: string;
  readonly request: SipRequest;
  readonly source: Source;
  readonly serverTransaction: ServerTransaction;
  readonly owner: AppConnection;
  /** True for S1 (out of dialog), false for S2 (inside an existing dialog). */
  readonly isNew: boolean;
  /** Dialog id shown to the app: set for in-dialog requests and for INVITE/SUBSCRIBE once answered. */
  dialogId: string;
  /** The To-tag of this transaction's responses, fixed by the first one (§4.2). */
  localTag: string | undefined;
  anyResponseSent: boolean;
  /** Waits for the app's first response (64 s by default). */
  pendingTimer: NodeJS.Timeout | undefined;
  readonly reliableProvisionals: Map<number, ReliableProvisional>;
}

export class IncomingRequests {
  private readonly byTransactionId = new Map<string, IncomingRequest>();
  private readonly byServerTransaction = new Map<ServerTransaction, IncomingRequest>();

  add(entry: IncomingRequest): void {
    this.byTransactionId.set(entry.transactionId, entry);
    this.byServerTransaction.set(entry.serverTransaction, entry);
  }

  get(transactionId: string): IncomingRequest | undefined {
    return this.byTransactionId.get(transactionId);
  }

  forServerTransaction(transaction: ServerTransaction): IncomingRequest | undefined {
    return this.byServerTransaction.get(transaction);
  }

  /** Forgets the entry and stops its timers. */
  remove(entry: IncomingRequest): void {
    clearTimeout(entry.pendingTimer);
    entry.pendingTimer = undefined;
    for (const provisional of entry.reliableProvisionals.values()) {
      clearTimeout(provisional.retransmit);
      clearTimeout(provisional.giveUp);
    }
    entry.reliableProvisionals.clear();
    this.byTransactionId.delete(entry.transactionId);
    this.byServerTransaction.delete(entry.serverTransaction);
  }

  /** An INVITE in this dialog (initial or re-INVITE) that has not been answered finally yet. */
  hasPendingInvite(dialogId: string): boolean {
    for (const entry of this.byTransactionId.values()) {
      if (entry.dialogId === dialogId && entry.request.method === 'INVITE') return true;
    }
    return false;
  }

  all(): IncomingRequest[] {
    return [...this.byTransactionId.values()];
  }

  get size(): number {
    return this.byTransactionId.size;
  }
}
