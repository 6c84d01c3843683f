/**
 * What the core's parts share: the layers below and above, the dialog store and settings. The
 * transaction layer is described structurally so that the core depends on its contract only.
 */
import type pino from 'pino';
import type { AppConnection } from '../control/types';
import type { AnySipMessage, SipRequest } from '../message/sip-message';
import type {
  ClientTransaction,
  ClientTransactionUser,
  ServerTransaction,
  ServerTransactionOptions,
  TimerSettings,
} from '../transaction/types';
import type { Endpoint, Source, TransportLayer } from '../transport/types';
import type { DialogStore } from './dialog-store';

export interface TransactionPort {
  sendRequest(request: SipRequest, destination: Endpoint, tu: ClientTransactionUser): ClientTransaction;
  createServerTransaction(request: SipRequest, source: Source, options?: ServerTransactionOptions): ServerTransaction;
  findInviteServerTransactionForCancel(cancel: SipRequest): ServerTransaction | undefined;
  sendStateless(message: AnySipMessage, destination: Endpoint): Promise<unknown>;
}

/** Round-robin choice among the app connections that routed a method (wire protocol §2.1). */
export interface AppRouter {
  connectionFor(method: string): AppConnection | undefined;
}

export interface CoreSettings {
  timers: TimerSettings;
  /** How long a request forwarded to an app may wait for its first response (default 64 s). */
  pendingRequestTimeoutMs: number;
  /** Public address advertised in Via/Contact instead of the bound one. */
  externalAddress?: string;
  /**
   * Timer C (RFC 3261 §16.6 item 11, applied to the engine as UAC): an INVITE without a final
   * response this long after it was sent or after its last provisional is CANCELled and the app
   * gets 408 (default 180 s).
   */
  inviteTimeoutMs: number;
}

export interface CoreContext {
  readonly transport: TransportLayer;
  readonly transactions: TransactionPort;
  readonly apps: AppRouter;
  readonly dialogs: DialogStore;
  readonly settings: CoreSettings;
  readonly log: pino.Logger;
}

/** The address the engine advertises for a local socket. */
export function advertisedHost(context: CoreContext, localAddress: string): string {
  return context.settings.externalAddress ?? localAddress;
}

/** Runs a callback from a timer or socket event; whatever it throws is logged, never rethrown. */
export function guarded(log: pino.Logger, what: string, fn: () => void): () => void {
  return () => {
    try {
      fn();
    } catch (error) {
      log.error({ err: error }, `${what} failed`);
    }
  };
}

/** Awaits nothing: a rejected promise is logged. */
export function detach(log: pino.Logger, what: string, promise: Promise<unknown>): void {
  promise.catch((error: unknown) => log.warn({ err: error }, `${what} failed`));
}

export function unrefTimer(timer: NodeJS.Timeout): NodeJS.Timeout {
  timer.unref();
  return timer;
}
