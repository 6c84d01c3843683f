import type { Socket } from 'node:net';
import type pino from 'pino';
import { FramingError, StreamFramer, type AnySipMessage, type SipParseError } from '../message';
import { describeEndpoint, normalizeAddress } from './endpoint-key';
import { TransportError, type Endpoint, type Source } from './types';

export interface TcpConnectionEvents {
  onMessage(message: AnySipMessage, source: Source, bytes: number): void;
  /**
   * A message that could not be parsed. For a FramingError the connection closes right after this
   * returns, so an error response must be written synchronously (`write` queues synchronously).
   */
  onParseError(error: SipParseError, connection: TcpConnection): void;
  onClose(connection: TcpConnection): void;
}

export interface TcpConnectionOptions {
  idleTimeoutMs: number;
  maxMessageBytes: number;
}

const CRLF = Buffer.from('\r\n');

/**
 * One TCP connection, inbound or outbound: frames the byte stream into messages (RFC 3261 §18.3),
 * answers CRLFCRLF keep-alives, closes itself when idle, on a framing error, or on a socket error.
 */
export class TcpConnection {
  readonly remote: Endpoint;
  readonly local: Endpoint;
  readonly source: Source;
  private readonly framer: StreamFramer;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    readonly key: string,
    private readonly events: TcpConnectionEvents,
    private readonly log: pino.Logger,
    options: TcpConnectionOptions,
  ) {
    this.remote = { protocol: 'tcp', address: normalizeAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    this.local = { protocol: 'tcp', address: normalizeAddress(socket.localAddress ?? ''), port: socket.localPort ?? 0 };
    this.source = { ...this.remote, localAddress: this.local.address, localPort: this.local.port };
    this.framer = new StreamFramer({
      maxMessageBytes: options.maxMessageBytes,
      // RFC 5626 §3.5.1: a CRLFCRLF ping is answered with a CRLF pong.
      onKeepAlive: () => {
        if (!this.closed) this.socket.write(CRLF);
      },
    });
    socket.setNoDelay(true);
    // Node resets this timer on every read and write: it fires only after a quiet period.
    socket.setTimeout(options.idleTimeoutMs, () => {
      this.log.debug({ remote: this.describe() }, 'closing idle TCP connection');
      this.close();
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.log.debug({ err: error, remote: this.describe() }, 'TCP connection error'));
    socket.on('close', () => {
      this.closed = true;
      this.events.onClose(this);
    });
  }

  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  write(data: Buffer): Promise<void> {
    if (this.isClosed) return Promise.reject(new TransportError(`connection to ${this.describe()} is closed`));
    return new Promise((resolve, reject) => {
      this.socket.write(data, (error) => {
        if (error) reject(new TransportError(`write to ${this.describe()} failed: ${error.message}`));
        else resolve();
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }

  describe(): string {
    return describeEndpoint('tcp', this.remote.address, this.remote.port);
  }

  private onData(chunk: Buffer): void {
    try {
      for (const item of this.framer.push(chunk)) {
        if ('message' in item) this.events.onMessage(item.message, this.source, item.bytes);
        else this.events.onParseError(item.error, this);
      }
    } catch (error) {
      if (error instanceof FramingError) {
        // The stream can no longer be split into messages: answer if we can, then close only this connection.
        this.events.onParseError(error, this);
        this.log.warn({ remote: this.describe(), reason: error.message }, 'closing TCP connection after framing error');
        this.closed = true;
        this.socket.end(() => this.socket.destroy());
        return;
      }
      this.log.error({ err: error, remote: this.describe() }, 'TCP data handler failed');
    }
  }
}
