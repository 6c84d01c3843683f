/** Starts the admin server on a free loopback port over a FakeClock ParkService. */
import http from 'node:http';
import pino from 'pino';
import { startAdminServer, type AdminServer, type AdminServerOptions } from '../../src/admin';
import { FakeClock, ParkService, RetrievalGuard, type LotSummary, type ParkedCallSnapshot } from '../../src/park';
import { POLICIES } from '../park/park-harness';

export const TOKEN = 'test-admin-token-0123456789';

export interface AdminHarness {
  clock: FakeClock;
  park: ParkService;
  guard: RetrievalGuard;
  admin: AdminServer;
  /** fetch relative to the server, with the bearer token unless `token: null`. */
  call(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
}

export async function startHarness(overrides: Partial<AdminServerOptions> = {}): Promise<AdminHarness> {
  const clock = new FakeClock(0);
  let next = 0;
  const park = new ParkService({ policies: POLICIES, log: pino({ level: 'silent' }), clock, newId: () => `call-${++next}` });
  const guard = new RetrievalGuard({ clock });
  const admin = await startAdminServer({
    listen: { host: '127.0.0.1', port: 0 },
    token: TOKEN,
    park,
    guard,
    log: pino({ level: 'silent' }),
    ...overrides,
  });
  return {
    clock,
    park,
    guard,
    admin,
    call: (path, init = {}) => {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null) headers.set('Authorization', `Bearer ${token ?? TOKEN}`);
      return fetch(`${admin.url}${path}`, { ...rest, headers });
    },
  };
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** A raw event-stream reader: collects parsed events and comment lines. */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  private buffer = '';
  private readonly request: http.ClientRequest;
  private readonly waiters: Array<() => void> = [];

  constructor(url: string, headers: Record<string, string> = {}) {
    this.request = http.get(url, { headers }, (res) => {
      this.status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => this.feed(chunk));
      this.notify();
    });
    this.request.on('error', () => undefined);
  }

  /** Resolves when `predicate` holds (checked on every chunk), rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters.splice(this.waiters.indexOf(check), 1);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(check), 1);
        reject(new Error(`SSE condition not met in ${timeoutMs} ms; events: ${JSON.stringify(this.events)}`));
      }, timeoutMs);
      this.waiters.push(check);
      check();
    });
  }

  close(): void {
    this.request.destroy();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      let data: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (data !== undefined) this.events.push({ event, data: JSON.parse(data) });
    }
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** The JSON body of `res`, typed by the caller (the API's shapes are asserted by the tests). */
export async function jsonOf<T>(res: Response | Promise<Response>): Promise<T> {
  return (await (await res).json()) as T;
}

export interface CallsBody {
  calls: ParkedCallSnapshot[];
}
export interface CallBody {
  call: ParkedCallSnapshot;
}
export interface LotsBody {
  draining: boolean;
  lots: Array<LotSummary & { orbits: number }>;
}
