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
  /**
   * Engine-level load shedding: new INVITEs get 503 with Retry-After while the UDP listeners'
   * kernel receive queues hold more than `maxReceiveQueueBytes` (Linux; off when absent or 0).
   */
  overload?: { maxReceiveQueueBytes: number; retryAfterSeconds: number };
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
