/** The admin API's routes: a table of method + path pattern → handler, matched in order. */
import type http from 'node:http';
import { AlreadyRetrievingError, ParkError, ParkStateError, ParkedCallNotFoundError, type ParkService } from '../park';
import { BOARD_HEADERS, BOARD_HTML } from './board-page';
import type { EventStreamHub } from './event-stream';
import { HttpError, readJsonObject, sendJson, sendText } from './http';
import { renderMetrics, type MetricsSources } from './metrics';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus';

/** Connects a parked call to a phone (the SIP app's job); resolves once bridged, rejects on failure. */
export type RetrieveTo = (callId: string, uri: string) => Promise<void>;

export interface RouteDeps {
  park: ParkService;
  hub: EventStreamHub;
  metrics: MetricsSources;
  retrieveTo?: RetrieveTo;
  draining(): boolean;
}

export interface RouteContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  params: readonly string[];
  deps: RouteDeps;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  /** Routes without auth serve nothing secret (health, the empty board page). */
  auth: 'none' | 'bearer' | 'bearerOrQuery';
  handle(ctx: RouteContext): Promise<void> | void;
}

const MAX_URI_LENGTH = 512;
const SIP_URI = /^sips?:[^\s<>"]+$/i;

/** ParkErrors as HTTP statuses: unknown call 404, a call in the wrong state 409. */
export function httpErrorFor(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof ParkedCallNotFoundError) return new HttpError(404, error.message);
  if (error instanceof ParkStateError || error instanceof AlreadyRetrievingError || error instanceof ParkError) {
    return new HttpError(409, error.message);
  }
  return undefined;
}

/** The phone could not be connected (busy, no answer, unreachable): 502, details in the log. */
export class RetrieveToFailedError extends HttpError {
  constructor(
    uri: string,
    override readonly cause: unknown,
  ) {
    super(502, `retrieval to ${uri} failed`);
  }
}

function mustExist(park: ParkService, id: string): void {
  if (park.getById(id) === undefined) throw new HttpError(404, `no parked call ${id}`);
}

export const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    pattern: /^\/healthz$/,
    auth: 'none',
    handle: ({ res, deps }) =>
      deps.draining() ? sendJson(res, 503, { status: 'draining' }) : sendJson(res, 200, { status: 'ok' }),
  },
  {
    method: 'GET',
    pattern: /^\/$/,
    auth: 'none',
    handle: ({ res }) => sendText(res, 200, 'text/html; charset=utf-8', BOARD_HTML, { ...BOARD_HEADERS }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/lots$/,
    auth: 'bearer',
    handle: ({ res, deps }) =>
      sendJson(res, 200, {
        draining: deps.draining(),
        lots: deps.park.lots().map((lot) => ({ ...lot, orbits: lot.rangeEnd - lot.rangeStart + 1 })),
      }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/calls$/,
    auth: 'bearer',
    handle: ({ res, deps }) => sendJson(res, 200, { calls: deps.park.list() }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/calls\/([^/]+)$/,
    auth: 'bearer',
    handle: ({ res, deps, params }) => {
      const call = deps.park.getById(params[0]!);
      if (call === undefined) throw new HttpError(404, `no parked call ${params[0]}`);
      sendJson(res, 200, { call });
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/calls\/([^/]+)$/,
    auth: 'bearer',
    handle: ({ res, deps, params }) => {
      if (!deps.park.hangup(params[0]!, 'adminHangup')) throw new HttpError(404, `no parked call ${params[0]}`);
      sendJson(res, 200, { id: params[0], ended: 'adminHangup' });
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/calls\/([^/]+)\/ringback$/,
    auth: 'bearer',
    handle: ({ res, deps, params }) => sendJson(res, 202, { call: deps.park.forceRingback(params[0]!) }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/calls\/([^/]+)\/retrieve$/,
    auth: 'bearer',
    handle: async ({ req, res, deps, params }) => {
      const id = params[0]!;
      if (deps.retrieveTo === undefined) throw new HttpError(501, 'retrieve to a phone is not available in this server');
      const body = await readJsonObject(req);
      const to = body.to;
      if (typeof to !== 'string' || to.length > MAX_URI_LENGTH || !SIP_URI.test(to)) {
        throw new HttpError(400, 'expected {"to": "sip:user@host"}');
      }
      mustExist(deps.park, id);
      try {
        await deps.retrieveTo(id, to);
      } catch (error) {
        if (httpErrorFor(error) !== undefined) throw error;
        throw new RetrieveToFailedError(to, error);
      }
      sendJson(res, 200, { id, retrievedTo: to });
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/events$/,
    auth: 'bearerOrQuery',
    handle: ({ req, res, deps }) => deps.hub.attach(req, res),
  },
  {
    method: 'GET',
    pattern: /^\/metrics$/,
    auth: 'bearer',
    handle: ({ res, deps }) => sendText(res, 200, PROMETHEUS_CONTENT_TYPE, renderMetrics(deps.metrics)),
  },
];

export type RouteMatch = { route: Route; params: string[] } | { allowed: string[] } | undefined;

/** The route for `method` and `path`; `{allowed}` when the path exists with other methods (405). */
export function matchRoute(method: string, path: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match === null) continue;
    if (route.method === method) {
      let params: string[];
      try {
        params = match.slice(1).map((part) => decodeURIComponent(part));
      } catch {
        throw new HttpError(400, 'malformed percent-encoding in the path');
      }
      return { route, params };
    }
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { allowed } : undefined;
}
