import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type pino from 'pino';
import { newTag, parseMessage, serializeMessage, SipParseError, type AnySipMessage } from '../message';
import { addressFamily, connectionKey, describeEndpoint, normalizeAddress } from './endpoint-key';
import { responseDestination, stripBrackets } from './response-destination';
import { responseFromRequest, safeReasonPhrase } from './response-from-request';
import { TcpConnection, type TcpConnectionEvents } from './tcp-connection';
import {
  TransportError,
  type Endpoint,
  type ListenSpec,
  type ReceivedMessage,
  type SentMessage,
  type Source,
  type TransportLayer,
  type TransportProtocol,
} from './types';
import { stampReceived } from './via-stamp';

export interface TransportOptions {
  /** Close TCP connections without traffic for this long. Default 5 minutes. */
  tcpIdleTimeoutMs?: number;
  /** Give up opening a TCP connection after this long. Default 10 s. */
  tcpConnectTimeoutMs?: number;
  /** Largest message accepted on a stream (header block plus body). Default 65536. */
  maxMessageBytes?: number;
  /**
   * SO_RCVBUF/SO_SNDBUF asked for on UDP sockets (the kernel caps them at net.core.rmem_max /
   * wmem_max). Default 4 MiB: bursts above a few hundred calls/s overflow the usual 208 KiB and the
   * kernel drops datagrams, which shows up as retransmissions and failed calls.
   */
  udpBufferBytes?: number;
}

interface Listener {
  protocol: TransportProtocol;
  /** The address as configured (what Via/Contact should carry), brackets removed. */
  host: string;
  port: number;
  family: 4 | 6;
}

interface UdpListener extends Listener {
  socket: UdpSocket;
}

interface TcpListener extends Listener {
  server: Server;
}

const DEFAULTS = { tcpIdleTimeoutMs: 300_000, tcpConnectTimeoutMs: 10_000, maxMessageBytes: 65_536, udpBufferBytes: 4 * 1024 * 1024 };

/** Bind every listener, then resolve with the running transport layer (RFC 3261 §18). */
export async function createTransportLayer(
  specs: ListenSpec[],
  log: pino.Logger,
  options: TransportOptions = {},
): Promise<TransportLayer> {
  const layer = new SipTransportLayer(log, { ...DEFAULTS, ...options });
  try {
    for (const spec of specs) await layer.listen(spec);
  } catch (error) {
    await layer.close();
    throw error;
  }
  return layer;
}

export class SipTransportLayer implements TransportLayer {
  private readonly udp: UdpListener[] = [];
  private readonly tcp: TcpListener[] = [];
  private readonly connections = new Map<string, TcpConnection>();
  private readonly connecting = new Map<string, Promise<TcpConnection>>();
  private handler: ((received: ReceivedMessage) => void) | undefined;
  private closing = false;
  private readonly connectionEvents: TcpConnectionEvents = {
    onMessage: (message, source, bytes) => this.deliver(message, source, bytes),
    onParseError: (error, connection) =>
      this.onParseError(error, connection.source, (response) => {
        // Written synchronously: after a FramingError the connection closes as soon as we return.
        connection.write(serializeMessage(response)).catch((failure: unknown) => {
          this.log.debug({ err: failure }, 'error response not sent');
        });
      }),
    onClose: (connection) => {
      if (this.connections.get(connection.key) === connection) this.connections.delete(connection.key);
    },
  };

  constructor(
    private readonly log: pino.Logger,
    private readonly options: Required<TransportOptions>,
  ) {}

  async listen(spec: ListenSpec): Promise<void> {
    const host = stripBrackets(spec.host);
    const family = addressFamily(host);
    if (spec.protocol === 'udp') {
      const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(spec.port, host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      const listener: UdpListener = { protocol: 'udp', host, port: socket.address().port, family, socket };
      this.enlargeBuffers(listener);
      socket.on('message', (data, rinfo) => this.onDatagram(listener, data, rinfo));
      socket.on('error', (error) => this.log.warn({ err: error, listener: this.describeListener(listener) }, 'UDP socket error'));
      this.udp.push(listener);
    } else {
      const server = createServer((socket) => this.onInboundConnection(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(spec.port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : spec.port;
      const listener: TcpListener = { protocol: 'tcp', host, port, family, server };
      server.on('error', (error) => this.log.warn({ err: error, listener: this.describeListener(listener) }, 'TCP server error'));
      this.tcp.push(listener);
    }
    this.log.info({ listener: `${spec.protocol}/${host}` }, 'SIP transport listening');
  }

  private enlargeBuffers(listener: UdpListener): void {
    const bytes = this.options.udpBufferBytes;
    try {
      listener.socket.setRecvBufferSize(bytes);
      listener.socket.setSendBufferSize(bytes);
    } catch (error) {
      this.log.warn({ err: error, listener: this.describeListener(listener), bytes }, 'UDP socket buffers not enlarged');
    }
  }

  listening(): ListenSpec[] {
    return [...this.udp, ...this.tcp].map(({ protocol, host, port }) => ({ protocol, host, port }));
  }

  onMessage(handler: (received: ReceivedMessage) => void): void {
    this.handler = handler;
  }

  localFor(destination: Endpoint): Endpoint {
    const listener = this.listenerFor(destination);
    if (listener === undefined) throw new TransportError(`no ${destination.protocol} listener`);
    return { protocol: listener.protocol, address: listener.host, port: listener.port };
  }

  async send(message: AnySipMessage, destination: Endpoint): Promise<SentMessage> {
    if (this.closing) throw new TransportError('transport closed');
    let data: Buffer;
    try {
      data = serializeMessage(message);
    } catch (error) {
      throw new TransportError(`cannot serialize message: ${error instanceof Error ? error.message : String(error)}`);
    }
    return this.sendRaw(data, destination);
  }

  async sendRaw(data: Buffer, destination: Endpoint): Promise<SentMessage> {
    if (this.closing) throw new TransportError('transport closed');
    if (destination.protocol === 'udp') return this.sendUdp(data, destination);
    const connection = await this.connectionTo(destination);
    await connection.write(data);
    return { local: connection.local, destination, bytes: data.length };
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
    const closings: Array<Promise<void>> = [];
    for (const { socket } of this.udp) closings.push(new Promise((resolve) => socket.close(() => resolve())));
    for (const { server } of this.tcp) closings.push(new Promise((resolve) => server.close(() => resolve())));
    this.udp.length = 0;
    this.tcp.length = 0;
    await Promise.all(closings);
  }

  // DEVIATION: RFC 3261 §18.1.1 asks for TCP when a request exceeds MTU - 200 bytes; the engine
  // mostly talks over loopback where large datagrams are fine, so UDP stays UDP at any size.
  private sendUdp(data: Buffer, destination: Endpoint): Promise<SentMessage> {
    const address = stripBrackets(destination.address);
    const family = addressFamily(address);
    const listener = this.udp.find((l) => l.family === family);
    if (listener === undefined) return Promise.reject(new TransportError(`no UDP IPv${family} listener`));
    return new Promise((resolve, reject) => {
      try {
        listener.socket.send(data, destination.port, address, (error) => {
          if (error) reject(new TransportError(`UDP send to ${describeEndpoint('udp', address, destination.port)} failed: ${error.message}`));
          else resolve({ local: { protocol: 'udp', address: listener.host, port: listener.port }, destination, bytes: data.length });
        });
      } catch (error) {
        reject(new TransportError(`UDP send failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    });
  }

  /** RFC 3261 §18.1.1 / §18.2.2: reuse an open connection with the remote (either direction), else open one. */
  private connectionTo(destination: Endpoint): Promise<TcpConnection> {
    const key = connectionKey(destination.address, destination.port);
    const open = this.connections.get(key);
    if (open !== undefined && !open.isClosed) return Promise.resolve(open);
    const pending = this.connecting.get(key);
    if (pending !== undefined) return pending;
    const attempt = this.openConnection(key, destination).finally(() => this.connecting.delete(key));
    this.connecting.set(key, attempt);
    return attempt;
  }

  private openConnection(key: string, destination: Endpoint): Promise<TcpConnection> {
    const host = stripBrackets(destination.address);
    const listener = this.tcp.find((l) => l.family === addressFamily(host));
    const localAddress = listener !== undefined && !isWildcard(listener.host) ? listener.host : undefined;
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port: destination.port, localAddress });
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(new TransportError(`TCP connect to ${describeEndpoint('tcp', host, destination.port)} failed: ${error.message}`));
      };
      const timer = setTimeout(() => fail(new Error('timeout')), this.options.tcpConnectTimeoutMs);
      timer.unref();
      socket.once('error', fail);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        if (this.closing) {
          socket.destroy();
          reject(new TransportError('transport closed'));
          return;
        }
        resolve(this.register(socket, key));
      });
    });
  }

  private onInboundConnection(socket: TcpSocket): void {
    try {
      if (this.closing) {
        socket.destroy();
        return;
      }
      const key = connectionKey(socket.remoteAddress ?? '', socket.remotePort ?? 0);
      this.register(socket, key);
    } catch (error) {
      this.log.error({ err: error }, 'accepting TCP connection failed');
      socket.destroy();
    }
  }

  private register(socket: TcpSocket, key: string): TcpConnection {
    const connection = new TcpConnection(socket, key, this.connectionEvents, this.log, {
      idleTimeoutMs: this.options.tcpIdleTimeoutMs,
      maxMessageBytes: this.options.maxMessageBytes,
    });
    const previous = this.connections.get(key);
    this.connections.set(key, connection);
    if (previous !== undefined && previous !== connection) previous.close();
    return connection;
  }

  private onDatagram(listener: UdpListener, data: Buffer, rinfo: RemoteInfo): void {
    try {
      // RFC 5626 §4.4.1 keep-alives and stray CRLFs are not messages.
      if (isOnlyCrLf(data)) return;
      const source: Source = {
        protocol: 'udp',
        address: normalizeAddress(rinfo.address),
        port: rinfo.port,
        localAddress: listener.host,
        localPort: listener.port,
      };
      let message: AnySipMessage;
      try {
        message = parseMessage(data);
      } catch (error) {
        if (!(error instanceof SipParseError)) throw error;
        this.onParseError(error, source, (response, destination) => {
          this.sendUdp(serializeMessage(response), destination).catch((failure: unknown) => {
            this.log.debug({ err: failure }, 'error response not sent');
          });
        });
        return;
      }
      this.deliver(message, source, data.length);
    } catch (error) {
      this.log.error({ err: error }, 'UDP datagram handler failed');
    }
  }

  private deliver(message: AnySipMessage, source: Source, bytes: number): void {
    // RFC 3261 §18.2.1 and RFC 3581 §4 for requests; responses are passed up unchanged (§18.1.2).
    // DEVIATION: §18.1.2's check that the top Via sent-by is ours is left to the transaction layer,
    // which hands responses matching no transaction to the core as strays.
    if (message.kind === 'request' && !stampReceived(message, source)) {
      this.log.warn({ source: describeEndpoint(source.protocol, source.address, source.port) }, 'request without usable Via dropped');
      return;
    }
    const handler = this.handler;
    if (handler === undefined) return;
    try {
      handler({ message, source, bytes });
    } catch (error) {
      this.log.error({ err: error }, 'message handler failed');
    }
  }

  /**
   * One warn line per unparseable message; a request whose start line and Via were readable (and
   * is not an ACK, which is never answered, §17.1.1.3) gets a stateless error response
   * (RFC 3261 §8.2.6, §21.4.1) carrying the reason; anything else is dropped.
   */
  private onParseError(
    error: SipParseError,
    source: Source,
    reply: (response: ReturnType<typeof responseFromRequest>, destination: Endpoint) => void,
  ): void {
    const from = describeEndpoint(source.protocol, source.address, source.port);
    const partial = error.partial;
    const answer = partial !== undefined && partial.method !== 'ACK';
    this.log.warn({ source: from, reason: error.message, answered: answer }, 'unparseable SIP message');
    if (!answer) return;
    stampReceived(partial, source);
    const response = responseFromRequest(partial, error.statusCode, safeReasonPhrase(error.reason), newTag());
    reply(response, responseDestination(partial, source));
  }

  private listenerFor(destination: Endpoint): Listener | undefined {
    const family = addressFamily(destination.address);
    const candidates: Listener[] = destination.protocol === 'udp' ? this.udp : this.tcp;
    return candidates.find((l) => l.family === family) ?? candidates[0];
  }

  private describeListener(listener: Listener): string {
    return describeEndpoint(listener.protocol, listener.host, listener.port);
  }
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

function isOnlyCrLf(data: Buffer): boolean {
  for (let i = 0; i < data.length; i++) if (data[i] !== 0x0d && data[i] !== 0x0a) return false;
  return true;
}
