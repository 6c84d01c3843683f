/** Transaction states, spelled as in RFC 3261 Figures 5–8 plus RFC 6026's Accepted. */
export enum TransactionState {
  Calling = 'Calling',
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Confirmed = 'Confirmed',
  Accepted = 'Accepted',
  Terminated = 'Terminated',
}

/** Allowed edges of one state machine: from-state → the states it may move to. */
export type TransitionTable = Readonly<Partial<Record<TransactionState, readonly TransactionState[]>>>;

/** An illegal state change, or a TU action the current state does not allow (e.g. a second final response). */
export class TransactionStateError extends Error {
  override readonly name = 'TransactionStateError';
}

export function checkTransition(machine: string, table: TransitionTable, from: TransactionState, to: TransactionState): void {
  if (!(table[from] ?? []).includes(to)) {
    throw new TransactionStateError(`${machine}: illegal transition ${from} -> ${to}`);
  }
}
