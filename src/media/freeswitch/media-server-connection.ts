import Mrf from 'drachtio-fsmrf';
import type { Logger } from 'pino';
import { EslAuthenticationError, preflight } from './preflight';

export interface MediaServerConnectionOptions {
  readonly mrf: Mrf;
  readonly connect: Mrf.ConnectOptions & { secret: string; port: number; profile: string };
  readonly connectTimeoutMs: number;
  readonly retryMaxMs: number;
  readonly log: Logger;
}

const FIRST_RETRY_MS = 250;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Keeps one fsmrf MediaServer: connects (retrying until stopped), and watches the event socket.
 * When the inbound event socket drops, drachtio-modesl reconnects by itself; endpoints keep their
 * own per-call connections, so parked calls go on holding. This class logs the loss as an error,
 * caps modesl's back-off, and reports whether new endpoints can be made.
 */
export class MediaServerConnection {
  private server: Mrf.MediaServer | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly readyWaiters: Array<() => void> = [];
  private attempt: Promise<void> | undefined;

  constructor(private readonly options: MediaServerConnectionOptions) {}

  start(): void {
    void this.connectLoop(FIRST_RETRY_MS);
  }

  /** The MediaServer, when its event socket is up. */
  current(): Mrf.MediaServer | undefined {
    return this.server?.connected() ? this.server : undefined;
  }

  /** Resolves once connected (immediately if already). */
  whenReady(): Promise<void> {
    if (this.current()) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.attempt?.catch(() => undefined);
    const server = this.server;
    this.server = undefined;
    if (server) {
      try {
        // drachtio-modesl's disconnect() leaves a pending reconnect timer armed, which would log in again.
        clearTimeout(server.conn.reconnectVars.retryTimer ?? undefined);
        server.conn.reconnectVars.retryTimer = null;
        server.disconnect();
      } catch (err) {
        this.options.log.warn({ err }, 'closing the FreeSWITCH connection failed');
      }
    }
  }

  private async connectLoop(delayMs: number): Promise<void> {
    if (this.stopped) return;
    const { log, connect } = this.options;
    try {
      this.attempt = this.connectOnce();
      await this.attempt;
      log.info({ freeswitch: `${connect.address}:${connect.port}`, profile: connect.profile }, 'connected to FreeSWITCH');
      for (const resolve of this.readyWaiters.splice(0)) resolve();
    } catch (err) {
      if (this.stopped) return;
      const level = err instanceof EslAuthenticationError ? 'error' : 'warn';
      log[level]({ err, retryInMs: delayMs }, 'cannot connect to FreeSWITCH; retrying');
      this.retryTimer = setTimeout(() => void this.connectLoop(Math.min(delayMs * 2, this.options.retryMaxMs)), delayMs);
    } finally {
      this.attempt = undefined;
    }
  }

  private async connectOnce(): Promise<void> {
    const { connect, connectTimeoutMs, mrf } = this.options;
    await preflight({ host: connect.address, port: connect.port, password: connect.secret, profile: connect.profile, timeoutMs: connectTimeoutMs });
    const server = await withTimeout(mrf.connect(connect), connectTimeoutMs, 'connecting fsmrf to FreeSWITCH');
    if (this.stopped) {
      server.disconnect();
      return;
    }
    this.watch(server);
    this.server = server;
  }

  private watch(server: Mrf.MediaServer): void {
    const { log, retryMaxMs } = this.options;
    server.conn.reconnectOpts.retryMaxDelay = retryMaxMs;
    server.on('error', (err: unknown) => log.error({ err }, 'FreeSWITCH media server error'));
    server.on('end', () => {
      log.error(
        { freeswitch: server.address },
        'lost the event-socket connection to FreeSWITCH: parked calls keep holding, new parks get 503 until it is back; reconnecting',
      );
    });
    // After a reconnect drachtio-modesl logs in again and emits esl::ready.
    server.conn.on('esl::ready', () => {
      log.info({ freeswitch: server.address }, 'event-socket connection to FreeSWITCH is back');
    });
  }
}
