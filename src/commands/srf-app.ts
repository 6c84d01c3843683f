import Srf from 'drachtio-srf';
import type pino from 'pino';

/** A drachtio-srf instance connected to the SIP engine (embedded or a drachtio-server). */
export interface ConnectedSrf {
  readonly srf: Srf;
  close(): Promise<void>;
}

/** Thrown when the app cannot connect or authenticate to the engine. */
export class AppConnectError extends Error {
  override readonly name = 'AppConnectError';
}

/**
 * Connects srf to the engine's admin socket. `setup` registers handlers before the connection,
 * so srf routes their methods on connect. Every app answers OPTIONS with 200 (a health ping).
 */
export function connectSrfApp(
  engine: { host: string; port: number; secret: string },
  log: pino.Logger,
  setup: (srf: Srf) => void = () => undefined,
  connectTimeoutMs = 10_000,
): Promise<ConnectedSrf> {
  const srf = new Srf();
  srf.use('options', (req, res) => {
    log.debug({ callId: req.get('Call-ID'), source: req.source_address }, 'OPTIONS');
    res.send(200);
  });
  setup(srf);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      srf.disconnect();
      reject(new AppConnectError(`no connection to the engine at ${engine.host}:${engine.port} within ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    srf.on('error', (error: Error) => log.warn({ err: error }, 'srf connection error'));
    srf.on('connect', (error: Error | undefined, hostport: string) => {
      clearTimeout(timer);
      if (error) {
        reject(new AppConnectError(`engine at ${engine.host}:${engine.port} refused the app: ${error.message}`));
        return;
      }
      log.info({ hostport }, 'SIP app connected to the engine');
      resolve({
        srf,
        close: async () => {
          srf.disconnect();
        },
      });
    });
    void srf.connect({ host: engine.host, port: engine.port, secret: engine.secret });
  });
}
