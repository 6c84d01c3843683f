export { TransactionStateError } from './transaction-state';

/** The request cannot start a transaction (no top Via branch, an ACK, a duplicate branch). */
export class TransactionRequestError extends Error {
  override readonly name = 'TransactionRequestError';
}
