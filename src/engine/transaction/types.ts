import type { SipRequest, SipResponse } from '../message/sip-message';
import type { Endpoint, Source } from '../transport/types';

/** RFC 3261 §17 timer values in milliseconds; tests shorten them. */
export interface TimerSettings {
  T1: number;
  T2: number;
  T4: number;
}

export const DEFAULT_TIMERS: TimerSettings = { T1: 500, T2: 4000, T4: 5000 };

/** Callbacks from a client transaction to its transaction user (RFC 3261 §17.1). */
export interface ClientTransactionUser {
  /** Every response except retransmissions the transaction absorbs. 100 Trying included. */
  onResponse(response: SipResponse, source: Source): void;
  /** Timer B/F fired: the TU synthesises a 408. */
  onTimeout(): void;
  /** The transport failed: the TU synthesises a 503. */
  onTransportError(error: Error): void;
}

export interface ClientTransaction {
  readonly branch: string;
  /** Until a final response arrives; then dropped (completed transactions live up to 32 s on UDP). */
  readonly request: SipRequest | undefined;
  readonly destination: Endpoint;
  /** Current state name as in RFC 3261 figures 5/6 (plus RFC 6026 Accepted). */
  readonly state: string;
  /** Stop all timers and forget the transaction. */
  dispose(): void;
}

export interface ServerTransaction {
  readonly branch: string;
  /** Until the final response is sent; then dropped (completed transactions live 32 s on UDP). */
  readonly request: SipRequest | undefined;
  readonly source: Source;
  readonly state: string;
  /** Send a response, driving the §17.2 state machine (retransmissions of finals on UDP, etc.). */
  respond(response: SipResponse): Promise<void>;
  /** Stop all timers and forget the transaction (it goes to Terminated without sending anything). */
  dispose(): void;
}

/** Per-transaction choices the core makes when it creates a server transaction. */
export interface ServerTransactionOptions {
  /**
   * RFC 3261 §17.2.1: send 100 Trying after 200 ms unless the TU has responded by then. Off by
   * default because the core already sends 100 Trying statelessly for new INVITEs.
   */
  autoTrying?: boolean;
  /** INVITE: timer H fired without an ACK for the non-2xx final (§17.2.1). */
  onTimeout?(): void;
  /** A retransmission (timer G, or a re-sent response) could not be sent; the transaction is Terminated. */
  onTransportError?(error: Error): void;
}

/** Upcalls from the transaction layer to the core (the "TU"). */
export interface TransactionLayerUser {
  /**
   * A request that matches no server transaction (a new request, an ACK for a 2xx, or a CANCEL).
   * The core creates a server transaction for it with `createServerTransaction` unless it is an ACK.
   */
  onRequest(request: SipRequest, source: Source): void;
  /** A response that matches no client transaction (e.g. a retransmitted 2xx to INVITE). */
  onStrayResponse(response: SipResponse, source: Source): void;
}
