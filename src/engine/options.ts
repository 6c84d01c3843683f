import type pino from 'pino';
import type { TimerSettings } from './transaction/types';
import type { ListenSpec } from './transport/types';

/** Everything `startEngine` needs; `callpark engine` and `callpark start` build it from flags or config. */
export interface EngineOptions {
  sip: ListenSpec[];
  admin: { host: string; port: number };
  secret: string;
  /** Public address to advertise in Via/Contact and to apps instead of the bound one (NAT). */
  externalAddress?: string;
  timers?: Partial<TimerSettings>;
  /** Largest admin frame accepted from an app, bytes (default 1 MiB). */
  maxFrameBytes?: number;
  log: pino.Logger;
}

export interface RunningEngine {
  /** Bound SIP listeners (ports resolved when 0 was asked). */
  readonly sip: ListenSpec[];
  readonly admin: { host: string; port: number };
  /** Counts for leak checks and metrics. */
  stats(): { dialogs: number; serverTransactions: number; clientTransactions: number; appConnections: number };
  close(): Promise<void>;
}
