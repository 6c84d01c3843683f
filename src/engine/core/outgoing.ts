/** Requests the engine sent for an app (S8 given), by transaction id, until their final response. */
import type { AppConnection } from '../control/types';
import type { SipRequest } from '../message/sip-message';
import type { ClientTransaction } from '../transaction/types';
import type { Endpoint } from '../transport/types';

export interface OutgoingRequest {
  readonly transactionId: string;
  readonly request: SipRequest;
  readonly destination: Endpoint;
  readonly owner: AppConnection;
  /** Dialog id given to the app with responses: the request's dialog, or the one an INVITE/SUBSCRIBE creates. */
  readonly dialogId: string;
  /** Out-of-dialog INVITE/SUBSCRIBE: responses create the dialog. */
  readonly createsDialog: boolean;
  clientTransaction: ClientTransaction | undefined;
  cancelled: boolean;
  finalReceived: boolean;
  /** Timer C for INVITEs (RFC 3261 §16.6 item 11). */
  timerC: NodeJS.Timeout | undefined;
  /** Timer C fired: the engine CANCELled the INVITE and gave the app 408. */
  timedOut: boolean;
}

export class OutgoingRequests {
  private readonly byTransactionId = new Map<string, OutgoingRequest>();

  add(entry: OutgoingRequest): void {
    this.byTransactionId.set(entry.transactionId, entry);
  }

  get(transactionId: string): OutgoingRequest | undefined {
    return this.byTransactionId.get(transactionId);
  }

  remove(entry: OutgoingRequest): void {
    clearTimeout(entry.timerC);
    entry.timerC = undefined;
    this.byTransactionId.delete(entry.transactionId);
  }

  /** An INVITE sent in this dialog that has no final response yet (RFC 3261 §14.1). */
  hasPendingInvite(dialogId: string): boolean {
    for (const entry of this.byTransactionId.values()) {
      if (entry.dialogId === dialogId && entry.request.method === 'INVITE' && !entry.finalReceived) return true;
    }
    return false;
  }

  all(): OutgoingRequest[] {
    return [...this.byTransactionId.values()];
  }

  get size(): number {
    return this.byTransactionId.size;
  }
}
