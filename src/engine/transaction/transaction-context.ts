import type pino from 'pino';
import type { AnySipMessage } from '../message/sip-message';
import type { Endpoint, SentMessage } from '../transport/types';
import type { TimerSettings } from './types';

/** The part of the transport a transaction uses. */
export interface TransactionSender {
  send(message: AnySipMessage, destination: Endpoint): Promise<SentMessage>;
  sendRaw(data: Buffer, destination: Endpoint): Promise<SentMessage>;
}

/** What every state machine gets from the transaction layer. */
export interface TransactionContext {
  sender: TransactionSender;
  timers: TimerSettings;
  /** Logger bound to `{branch, method}`; the transaction layer creates it on first use. */
  readonly log: pino.Logger;
  /** A debug line (state changes): costs nothing, and creates no logger, unless debug is on. */
  trace(fields: Record<string, unknown>, message: string): void;
  /** Called exactly once, when the machine enters Terminated, so that the layer forgets it. */
  onTerminated(): void;
}

/** Run an upcall into the TU; a TU bug is logged, never allowed to break the state machine. */
export function callUser(log: pino.Logger, what: string, upcall: () => void): void {
  try {
    upcall();
  } catch (error) {
    log.error({ err: error }, `transaction user failed in ${what}`);
  }
}
