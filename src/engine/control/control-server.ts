/**
 * The drachtio admin socket (wire protocol §2.1, §10 "Admin socket"): accepts drachtio-srf
 * connections, authenticates them, answers route/remove_route/ping itself, hands `sip` and
 * `proxy` frames to the SIP core, and picks a connection round-robin for new requests.
 */
import net from 'node:net';
import type pino from 'pino';
import { ControlProtocolError, parseProxyCommand, parseSipCommand } from './app-commands';
import { AppSocketConnection } from './app-socket-connection';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, FrameError } from './frame-codec';
import { failureTokens, okTokens, splitPayload } from './leader';
import { secretMatches } from './secret';
import type { AppCommandHandler, AppConnection } from './types';

export interface ControlServerOptions {
  secret: string;
  /** Advertised to apps in the authenticate reply; must look like `vX.Y.Z` (srf parses it). */
  version: string;
  /** SIP listening transports as `proto/host:port`: advertised (public) and bound (local). */
  hostports: () => { public: string[]; local: string[] };
  /** Largest frame accepted from an app, bytes (default 1 MiB). */
  maxFrameBytes?: number;
  /** A connection that has not authenticated by then is closed (default 10 s). */
  authTimeoutMs?: number;
  /** Unsent bytes tolerated for an app that stops reading before it is dropped (default 32 MiB). */
  maxWriteBufferBytes?: number;
  /** TCP keep-alive initial delay (default 45 s, as drachtio-server's `tcp-keepalive`). */
  keepAliveMs?: number;
  log: pino.Logger;
}

const DEFAULT_AUTH_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_WRITE_BUFFER_BYTES = 32 * 1024 * 1024;
const DEFAULT_KEEPALIVE_MS = 45_000;
/** srf reads the version with `^v(\d+)\.(\d+)\.(\d+)`; anything else silently disables its pings. */
const VERSION_SHAPE = /^v\d+\.\d+\.\d+/;
/** Longest message id we echo back in a `NO` reply to a broken frame. */
const MAX_MSG_ID_LENGTH = 128;

interface Session {
  connection: AppSocketConnection;
  decoder: FrameDecoder;
  authTimer: NodeJS.Timeout | undefined;
  /** Once true, the core is told when the connection closes. */
  wasAuthenticated: boolean;
}

export class ControlServer {
  private readonly server: net.Server;
  private readonly sessions = new Set<Session>();
  /** Round-robin position per routed verb. */
  private readonly nextIndexByVerb = new Map<string, number>();
  private readonly log: pino.Logger;
  private readonly maxFrameBytes: number;
  private readonly authTimeoutMs: number;
  private readonly maxWriteBufferBytes: number;
  private readonly keepAliveMs: number;
  private readonly onAllSessionsClosed: Array<() => void> = [];
  private connectionSeq = 0;
  private listening = false;

  constructor(
    private readonly options: ControlServerOptions,
    private readonly handler: AppCommandHandler,
  ) {
    if (!VERSION_SHAPE.test(options.version)) {
      throw new RangeError(`version must look like vX.Y.Z for drachtio-srf, got '${options.version}'`);
    }
    this.log = options.log;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.authTimeoutMs = options.authTimeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS;
    this.maxWriteBufferBytes = options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES;
    this.keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
    // Validate the limit now rather than on the first connection.
    new FrameDecoder(this.maxFrameBytes);
    this.server = net.createServer((socket) => this.accept(socket));
    this.server.on('error', (error) => this.log.error({ err: error }, 'admin socket error'));
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.off('error', onError);
        this.listening = true;
        const address = this.server.address() as net.AddressInfo;
        this.log.info({ host: address.address, port: address.port }, 'admin socket listening');
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /** Next authenticated connection, round-robin, among those that routed this method. */
  connectionFor(method: string): AppConnection | undefined {
    const verb = method.toLowerCase();
    let candidates = 0;
    for (const { connection } of this.sessions) {
      if (connection.authenticated && connection.routes.has(verb)) candidates += 1;
    }
    if (candidates === 0) return undefined;
    const position = this.nextIndexByVerb.get(verb) ?? 0;
    this.nextIndexByVerb.set(verb, (position + 1) % candidates);
    let remaining = position % candidates;
    for (const { connection } of this.sessions) {
      if (!connection.authenticated || !connection.routes.has(verb)) continue;
      if (remaining === 0) return connection;
      remaining -= 1;
    }
    return undefined;
  }

  /** Authenticated, open connections. */
  connections(): number {
    let count = 0;
    for (const { connection } of this.sessions) if (connection.authenticated) count += 1;
    return count;
  }

  /** Stops accepting, closes every app connection, resolves when all are gone (and the core was told). */
  async close(): Promise<void> {
    const allClosed = new Promise<void>((resolve) => {
      if (this.sessions.size === 0) resolve();
      else this.onAllSessionsClosed.push(resolve);
    });
    for (const { connection } of this.sessions) connection.end();
    if (this.listening) {
      this.listening = false;
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
    await allClosed;
  }

  private accept(socket: net.Socket): void {
    this.connectionSeq += 1;
    const id = `app-${this.connectionSeq}`;
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const log = this.log.child({ appConnection: id, remote });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, this.keepAliveMs);
    const connection = new AppSocketConnection(id, remote, socket, log, this.maxWriteBufferBytes);
    const session: Session = {
      connection,
      decoder: new FrameDecoder(this.maxFrameBytes),
      authTimer: setTimeout(() => this.onAuthTimeout(session), this.authTimeoutMs),
      wasAuthenticated: false,
    };
    session.authTimer?.unref();
    this.sessions.add(session);
    log.debug('app connected');

    socket.on('data', (chunk: Buffer) => this.onData(session, chunk));
    socket.on('error', (error) => log.debug({ err: error }, 'app socket error'));
    socket.on('close', () => this.onClose(session));
  }

  private onData(session: Session, chunk: Buffer): void {
    const { connection } = session;
    if (connection.closed) return;
    let frames: string[];
    try {
      frames = session.decoder.push(chunk);
    } catch (error) {
      if (error instanceof FrameError) this.reject(session, error.message, undefined);
      else this.internalError(session, error);
      return;
    }
    for (const frame of frames) {
      if (connection.closed) return;
      this.onFrame(session, frame);
    }
  }

  private onFrame(session: Session, payload: string): void {
    const { tokens, sipText } = splitPayload(payload);
    const msgId = tokens.length >= 2 && tokens[0] !== '' && tokens[0]!.length <= MAX_MSG_ID_LENGTH ? tokens[0] : undefined;
    try {
      if (msgId === undefined) throw new ControlProtocolError('malformed frame: fewer than 2 tokens');
      this.dispatch(session, msgId, tokens[1]!, tokens, sipText);
    } catch (error) {
      if (error instanceof ControlProtocolError) this.reject(session, error.message, msgId);
      else this.internalError(session, error);
    }
  }

  private dispatch(session: Session, msgId: string, type: string, tokens: string[], sipText: string): void {
    const { connection } = session;
    if (type === 'authenticate') {
      this.authenticate(session, msgId, tokens);
      return;
    }
    if (!connection.authenticated) {
      this.reject(session, 'not authenticated', msgId);
      return;
    }
    switch (type) {
      case 'route': {
        connection.routes.add(this.verbOf(tokens));
        connection.respond(msgId, okTokens());
        return;
      }
      case 'remove_route': {
        connection.routes.delete(this.verbOf(tokens));
        connection.respond(msgId, okTokens());
        return;
      }
      case 'ping':
        connection.respond(msgId, okTokens('pong'));
        return;
      case 'sip': {
        const command = parseSipCommand(tokens, sipText);
        this.callHandler(connection, msgId, () => this.handler.onSip(connection, command));
        return;
      }
      case 'proxy': {
        const command = parseProxyCommand(tokens, sipText);
        this.callHandler(connection, msgId, () => this.handler.onProxy(connection, command));
        return;
      }
      default:
        throw new ControlProtocolError(`unknown message type '${type.slice(0, 32)}'`);
    }
  }

  private authenticate(session: Session, msgId: string, tokens: string[]): void {
    const { connection } = session;
    if (connection.authenticated) throw new ControlProtocolError('already authenticated');
    if (!secretMatches(this.options.secret, tokens[2] ?? '')) {
      connection.log.warn('app offered an incorrect secret; connection closed');
      connection.respond(msgId, failureTokens('incorrect secret', 'NO'));
      connection.end();
      return;
    }
    const hostports = this.options.hostports();
    clearTimeout(session.authTimer);
    session.authTimer = undefined;
    connection.state = 'authenticated';
    session.wasAuthenticated = true;
    connection.tags = (tokens[3] ?? '').split(',').filter((tag) => tag !== '');
    connection.respond(
      msgId,
      okTokens(hostports.public.join(','), this.options.version, hostports.local.join(',')),
    );
    connection.log.info({ tags: connection.tags }, 'app authenticated');
  }

  private verbOf(tokens: string[]): string {
    const verb = tokens[2];
    if (verb === undefined || verb === '') throw new ControlProtocolError(`${tokens[1]}: missing verb`);
    return verb.toLowerCase();
  }

  /** The core answers the frame itself; if it throws, the app still gets its one reply. */
  private callHandler(connection: AppSocketConnection, msgId: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      connection.log.error({ err: error, msgId }, 'SIP core failed on an app command');
      connection.respond(msgId, failureTokens('internal error'));
    }
  }

  /** Bad input: one `NO` reply when we know the message id, one log line, close this connection only. */
  private reject(session: Session, reason: string, msgId: string | undefined): void {
    const { connection } = session;
    if (msgId !== undefined) connection.respond(msgId, failureTokens(reason, 'NO'));
    connection.log.warn({ reason }, 'protocol error from app; connection closed');
    connection.end();
  }

  private internalError(session: Session, error: unknown): void {
    session.connection.log.error({ err: error }, 'admin socket failure; connection closed');
    session.connection.destroy();
  }

  private onAuthTimeout(session: Session): void {
    session.authTimer = undefined;
    if (session.connection.authenticated || session.connection.closed) return;
    session.connection.log.warn({ timeoutMs: this.authTimeoutMs }, 'app did not authenticate in time; connection closed');
    session.connection.end();
  }

  private onClose(session: Session): void {
    const { connection } = session;
    clearTimeout(session.authTimer);
    session.authTimer = undefined;
    this.sessions.delete(session);
    connection.state = 'closed';
    if (this.sessions.size === 0) for (const resolve of this.onAllSessionsClosed.splice(0)) resolve();
    if (!session.wasAuthenticated) {
      connection.log.debug('unauthenticated app connection closed');
      return;
    }
    connection.log.info('app disconnected');
    try {
      this.handler.onConnectionClosed(connection);
    } catch (error) {
      connection.log.error({ err: error }, 'SIP core failed to clean up after an app connection');
    }
  }
}
