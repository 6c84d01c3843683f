import Srf from 'drachtio-srf';
import type pino from 'pino';

/** Thrown when the app cannot connect or authenticate to the engine. */
export class AppConnectError extends Error {
  override readonly name = 'AppConnectError';
}

export interface EngineEndpoint {
  host: string;
  port: number;
  secret: string;
}

/**
 * A drachtio-srf instance for the SIP engine (embedded or a drachtio-server). Modules register
 * their middleware on `srf` first; `connect` then adds the catch-all OPTIONS answer (after theirs,
 * so a B2BUA can pass OPTIONS for other users upstream) and connects, so srf routes every method
 * that has a handler.
 */
export interface SrfApp {
  readonly srf: Srf;
  connect(engine: EngineEndpoint, connectTimeoutMs?: number): Promise<void>;
  /** Disconnects from the engine (nothing to do if connect never ran). */
  close(): Promise<void>;
}

export function createSrfApp(log: pino.Logger): SrfApp {
  const srf = new Srf();
  let connecting = false;
  srf.on('error', (error: Error) => log.warn({ err: error }, 'srf connection error'));

  const disconnect = (): void => {
    if (!connecting) return;
    connecting = false;
    try {
      srf.disconnect();
    } catch (error) {
      // No socket yet (never connected, or between retries): nothing to close but the retry loop.
      log.debug({ err: error }, 'srf had no connection to close');
    }
    stopRetrying(srf);
  };

  return {
    srf,
    connect(engine, connectTimeoutMs = 10_000) {
      // Every app answers OPTIONS addressed to it with 200 (a health ping).
      srf.use('options', (req, res) => {
        log.debug({ callId: req.get('Call-ID'), source: req.source_address }, 'OPTIONS');
        res.send(200);
      });
      connecting = true;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          disconnect();
          reject(new AppConnectError(`no connection to the engine at ${engine.host}:${engine.port} within ${connectTimeoutMs} ms`));
        }, connectTimeoutMs);
        srf.on('connect', (error: Error | undefined, hostport: string) => {
          clearTimeout(timer);
          if (error) {
            disconnect();
            reject(new AppConnectError(`engine at ${engine.host}:${engine.port} refused the app: ${error.message}`));
            return;
          }
          log.info({ hostport }, 'SIP app connected to the engine');
          resolve();
        });
        void srf.connect({ host: engine.host, port: engine.port, secret: engine.secret });
      });
    },
    async close() {
      disconnect();
    },
  };
}

/** `value[key]` for objects and functions (srf's `_app` is a connect-style function), else undefined. */
function field(value: unknown, key: string): unknown {
  return (typeof value === 'object' && value !== null) || typeof value === 'function' ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * drachtio-srf retries a refused connection forever, and its disconnect() needs a connected socket,
 * so an app that never got connected cannot be stopped through the API: its retry timer would keep
 * the process alive. This marks srf's wire protocol (srf._app.client.wp, drachtio-srf 5.x) as closing,
 * which is what disconnect() does, and cancels a pending retry. A no-op if the internals differ.
 */
function stopRetrying(srf: Srf): void {
  const wire = field(field(field(srf, '_app'), 'client'), 'wp');
  if (typeof wire !== 'object' || wire === null) return;
  (wire as { closing?: boolean }).closing = true;
  const timer = field(field(wire, 'reconnectVars'), 'retryTimer');
  if (timer !== null && timer !== undefined) clearTimeout(timer as NodeJS.Timeout);
  const socket = field(wire, 'socket');
  if (typeof socket === 'object' && socket !== null && typeof field(socket, 'destroy') === 'function') {
    (socket as { destroy(): void }).destroy();
  }
}
