/**
 * GET /api/events: every ParkEvents event as a server-sent event (`event: parked`, `data: {json}`).
 * One subscription to the park service feeds all clients; a client that goes away, or falls
 * too far behind, is dropped together with its heartbeat timer.
 */
import type http from 'node:http';
import type pino from 'pino';
import type { ParkEventName, ParkEvents, ParkService } from '../park';

/** Every ParkEvents name; a Record so that a new event cannot be forgotten here. */
const STREAMED: Record<ParkEventName, true> = {
  reserved: true,
  parked: true,
  retrieving: true,
  retrieved: true,
  retrieveFailed: true,
  timeout: true,
  ringback: true,
  fallback: true,
  ended: true,
  orbitChanged: true,
  partyReplaced: true,
};

/** A client buffering more than this (not reading) is disconnected. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

interface Client {
  res: http.ServerResponse;
  heartbeat: NodeJS.Timeout;
}

export class EventStreamHub {
  private readonly clients = new Set<Client>();
  private readonly unsubscribe: Array<() => void> = [];
  private nextId = 1;

  constructor(
    park: ParkService,
    private readonly log: pino.Logger,
    private readonly heartbeatMs = 15_000,
  ) {
    for (const name of Object.keys(STREAMED) as ParkEventName[]) {
      this.unsubscribe.push(park.on(name, (payload: ParkEvents[typeof name]) => this.broadcast(name, payload)));
    }
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes over `res` as an event stream until the client disconnects or the hub closes. */
  attach(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      Connection: 'keep-alive',
    });
    res.write('retry: 3000\n: connected\n\n');
    const client: Client = {
      res,
      heartbeat: setInterval(() => this.write(client, ': heartbeat\n\n'), this.heartbeatMs),
    };
    client.heartbeat.unref();
    this.clients.add(client);
    const remove = (): void => this.drop(client);
    req.on('close', remove);
    res.on('close', remove);
    res.on('error', remove);
  }

  /** Ends every stream and stops listening to the park service. */
  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const client of [...this.clients]) {
      this.drop(client);
      client.res.end();
    }
  }

  private broadcast(name: ParkEventName, payload: unknown): void {
    if (this.clients.size === 0) return;
    const frame = `id: ${this.nextId++}\nevent: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const client of [...this.clients]) this.write(client, frame);
  }

  private write(client: Client, frame: string): void {
    try {
      if (client.res.writableLength > MAX_BUFFERED_BYTES) {
        this.log.warn('event stream client is not reading; disconnecting it');
        this.drop(client);
        client.res.destroy();
        return;
      }
      client.res.write(frame);
    } catch (err) {
      this.log.warn({ err }, 'event stream write failed');
      this.drop(client);
    }
  }

  private drop(client: Client): void {
    clearInterval(client.heartbeat);
    this.clients.delete(client);
  }
}
