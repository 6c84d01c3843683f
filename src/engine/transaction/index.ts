export * from './types';
export { TransactionState, TransactionStateError } from './transaction-state';
export { TransactionRequestError } from './errors';
export { TransactionLayer } from './transaction-layer';
export { transactionTimerValues, type TransactionTimerValues } from './timers';
export { InviteClientTransaction } from './invite-client-transaction';
export { NonInviteClientTransaction } from './non-invite-client-transaction';
export { InviteServerTransaction } from './invite-server-transaction';
export { NonInviteServerTransaction } from './non-invite-server-transaction';
