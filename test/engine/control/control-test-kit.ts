/** Helpers for the ControlServer tests: a recording core, a log sink, real srf clients, raw sockets. */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import pino from 'pino';
import Srf from 'drachtio-srf';
import { ControlServer, type ControlServerOptions } from '../../../src/engine/control/control-server';
import { encodeFrame, FrameDecoder } from '../../../src/engine/control/frame-codec';
import type { AppCommandHandler, AppConnection, ProxyCommand, SipCommand } from '../../../src/engine/control/types';

export const SECRET = 'cymru';
export const HOSTPORTS = {
  public: ['udp/203.0.113.5:5060', 'tcp/203.0.113.5:5060'],
  local: ['udp/127.0.0.1:5060', 'tcp/127.0.0.1:5060'],
};

export interface LogLine {
  level: number;
  msg: string;
  appConnection?: string;
  reason?: string;
  [key: string]: unknown;
}

/** pino writing parsed JSON lines into an array. */
export function capturingLogger(): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}

/** A SIP core stand-in that records commands; `onSipHook`/`onProxyHook` decide the replies. */
export class RecordingHandler implements AppCommandHandler {
  readonly sips: Array<{ connection: AppConnection; command: SipCommand }> = [];
  readonly proxies: Array<{ connection: AppConnection; command: ProxyCommand }> = [];
  readonly closed: AppConnection[] = [];
  onSipHook: (connection: AppConnection, command: SipCommand) => void = (connection, command) =>
    connection.respond(command.msgId, ['NOK', 'not implemented in this test']);
  onProxyHook: (connection: AppConnection, command: ProxyCommand) => void = (connection, command) =>
    connection.respond(command.msgId, ['OK', 'done']);

  onSip(connection: AppConnection, command: SipCommand): void {
    this.sips.push({ connection, command });
    this.onSipHook(connection, command);
  }

  onProxy(connection: AppConnection, command: ProxyCommand): void {
    this.proxies.push({ connection, command });
    this.onProxyHook(connection, command);
  }

  onConnectionClosed(connection: AppConnection): void {
    this.closed.push(connection);
  }
}

export async function startServer(
  overrides: Partial<ControlServerOptions> = {},
  host = '127.0.0.1',
): Promise<{ server: ControlServer; handler: RecordingHandler; lines: LogLine[]; host: string; port: number }> {
  const { log, lines } = capturingLogger();
  const handler = new RecordingHandler();
  const server = new ControlServer(
    { secret: SECRET, version: 'v0.9.10', hostports: () => HOSTPORTS, log, ...overrides },
    handler,
  );
  const address = await server.listen(host, 0);
  return { server, handler, lines, ...address };
}

export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface ConnectedSrf {
  srf: Srf;
  hostport: string;
  version: string;
  localHostports: string;
}

/** Options srf understands beyond its published typings. */
type SrfConnectOptions = Srf.SrfConfig & {
  enablePing?: boolean;
  pingInterval?: number;
  reconnect?: { maxAttempts?: number };
};

/** Every srf made by connectSrf, so that tests can disconnect them in afterAll. */
export const allSrfs: Srf[] = [];

export function disconnectAll(): void {
  for (const srf of allSrfs.splice(0)) {
    try {
      srf.disconnect();
    } catch {
      // srf throws when its socket is already gone (e.g. after a failed authenticate).
    }
  }
}

/** Connects a real drachtio-srf; resolves on its `connect` event, rejects on a connect error. */
export function connectSrf(
  port: number,
  options: {
    host?: string;
    secret?: string;
    tags?: string[];
    setup?: (srf: Srf) => void;
    pingIntervalMs?: number;
    /** Receives every frame srf writes (srf's own wire logger). */
    wireLog?: (message: string) => void;
  } = {},
): Promise<ConnectedSrf> {
  const srf = options.tags ? new Srf(options.tags) : new Srf();
  allSrfs.push(srf);
  options.setup?.(srf);
  const emitter: EventEmitter = srf;
  return new Promise((resolve, reject) => {
    emitter.on('error', () => undefined);
    emitter.once('connect', (err: unknown, hostport: string, version: string, localHostports: string) => {
      if (err instanceof Error) reject(err);
      else resolve({ srf, hostport, version, localHostports });
    });
    const connectOptions: SrfConnectOptions = {
      host: options.host ?? '127.0.0.1',
      port,
      secret: options.secret ?? SECRET,
      reconnect: { maxAttempts: 1 },
    };
    if (options.pingIntervalMs !== undefined) {
      connectOptions.enablePing = true;
      connectOptions.pingInterval = options.pingIntervalMs;
    }
    if (options.wireLog) connectOptions.logger = options.wireLog;
    void srf.connect(connectOptions);
  });
}

/** A raw TCP client that speaks the framing and records every frame and the close. */
export class RawClient {
  readonly frames: string[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder();
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.frames.push(...this.decoder.push(chunk)));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  sendFrame(payload: string): void {
    this.socket.write(encodeFrame(payload));
  }

  sendBytes(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** Sends a frame and resolves with the reply whose RID is its message id. */
  async request(msgId: string, rest: string): Promise<string[]> {
    this.sendFrame(`${msgId}|${rest}`);
    await waitFor(() => this.replyTo(msgId) !== undefined, `reply to ${msgId}`);
    return this.replyTo(msgId)!;
  }

  replyTo(msgId: string): string[] | undefined {
    for (const frame of this.frames) {
      const tokens = frame.split('\r\n')[0]!.split('|');
      if (tokens[1] === 'response' && tokens[2] === msgId) return tokens;
    }
    return undefined;
  }

  async authenticate(secret = SECRET): Promise<string[]> {
    return this.request('auth-1', `authenticate|${secret}|`);
  }

  async waitClosed(): Promise<void> {
    await waitFor(() => this.closed, 'the server to close the raw socket');
  }

  destroy(): void {
    this.socket.destroy();
  }
}
