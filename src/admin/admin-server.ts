/**
 * The admin HTTP server (DESIGN §7) on node:http: one auth check, one route table, JSON errors,
 * one debug line per request and one warn line per refused token. Bind it to loopback unless
 * the token is strong and the network trusted.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type pino from 'pino';
import { formatHostPort, type HostPort } from '../config';
import type { ParkService, RetrievalGuardStats } from '../park';
import { BearerToken, bearerFromHeader } from './auth';
import { EventStreamHub } from './event-stream';
import { HttpError, sendError } from './http';
import type { EngineStats, MetricsSources } from './metrics';
import { ParkCounters } from './park-metrics';
import { httpErrorFor, matchRoute, RetrieveToFailedError, type Route, type RouteDeps, type RetrieveTo } from './routes';

export interface AdminServerOptions {
  listen: HostPort;
  token: string;
  park: ParkService;
  log: pino.Logger;
  /** Counters created early (beside the ParkService); made here when absent. */
  counters?: ParkCounters;
  guard?: { stats(): RetrievalGuardStats };
  engineStats?: () => EngineStats;
  mediaSessions?: () => number;
  appCounts?: () => { calls: number };
  /** Retrieve a parked call to a phone; POST /api/calls/:id/retrieve answers 501 without it. */
  retrieveTo?: RetrieveTo;
  /** SSE heartbeat interval (default 15 s). */
  heartbeatMs?: number;
}

export interface AdminServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  /** /healthz answers 503 from now on (load balancers stop sending); everything else keeps working. */
  markDraining(): void;
  readonly draining: boolean;
  /** Event-stream clients connected now. */
  streamClients(): number;
  close(): Promise<void>;
}

function authorized(route: Route, req: http.IncomingMessage, url: URL, token: BearerToken): boolean {
  if (route.auth === 'none') return true;
  const fromHeader = bearerFromHeader(req);
  if (fromHeader !== undefined) return token.matches(fromHeader);
  // EventSource cannot send headers: the stream alone also takes ?token=.
  return route.auth === 'bearerOrQuery' && token.matches(url.searchParams.get('token') ?? undefined);
}

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const log = options.log;
  const token = new BearerToken(options.token);
  const counters = options.counters ?? new ParkCounters(options.park);
  const ownsCounters = options.counters === undefined;
  const hub = new EventStreamHub(options.park, log, options.heartbeatMs);
  let draining = false;
  const metrics: MetricsSources = {
    park: options.park,
    counters,
    draining: () => draining,
    ...(options.guard === undefined ? {} : { guard: options.guard }),
    ...(options.engineStats === undefined ? {} : { engineStats: options.engineStats }),
    ...(options.mediaSessions === undefined ? {} : { mediaSessions: options.mediaSessions }),
    ...(options.appCounts === undefined ? {} : { appCounts: options.appCounts }),
  };
  const deps: RouteDeps = {
    park: options.park,
    hub,
    metrics,
    draining: () => draining,
    ...(options.retrieveTo === undefined ? {} : { retrieveTo: options.retrieveTo }),
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    const started = Date.now();
    // The path only: the query may carry the token.
    res.on('finish', () =>
      log.debug({ method: req.method, path: url.pathname, status: res.statusCode, ms: Date.now() - started, remote: req.socket.remoteAddress }, 'admin request'),
    );
    try {
      const match = matchRoute(req.method ?? 'GET', url.pathname);
      if (match === undefined) throw new HttpError(404, `no route ${url.pathname}`);
      if ('allowed' in match) throw new HttpError(405, `${req.method} not allowed here`, { Allow: match.allowed.join(', ') });
      if (!authorized(match.route, req, url, token)) {
        const given = bearerFromHeader(req) !== undefined || url.searchParams.has('token');
        log.warn({ method: req.method, path: url.pathname, remote: req.socket.remoteAddress }, 'admin request refused: bad or missing token');
        throw new HttpError(401, 'a valid bearer token is required', {
          'WWW-Authenticate': given ? 'Bearer realm="callpark", error="invalid_token"' : 'Bearer realm="callpark"',
        });
      }
      await match.route.handle({ req, res, params: match.params, deps });
    } catch (error) {
      const known = httpErrorFor(error);
      if (known === undefined) log.error({ err: error, method: req.method, path: url.pathname }, 'admin request failed');
      else if (known instanceof RetrieveToFailedError) log.warn({ err: known.cause, path: url.pathname }, known.message);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, known ?? new HttpError(500, 'internal error'));
    }
  };

  const server = http.createServer({ maxHeaderSize: 8 * 1024 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'admin handler failed');
      res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('clientError', (err, socket) => {
    log.debug({ err }, 'admin client error');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.listen.host, port: options.listen.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    hub.close();
    if (ownsCounters) counters.detach();
    throw error;
  }
  server.on('error', (err) => log.error({ err }, 'admin server error'));
  const address = server.address() as AddressInfo;
  const bound = { host: address.address, port: address.port };
  const url = `http://${formatHostPort(bound)}`;
  log.info({ url }, 'admin API listening');

  let closing: Promise<void> | undefined;
  return {
    ...bound,
    url,
    markDraining: () => {
      draining = true;
    },
    get draining() {
      return draining;
    },
    streamClients: () => hub.size,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        hub.close();
        if (ownsCounters) counters.detach();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
