import type { AnySipMessage } from '../message/sip-message';

export type TransportProtocol = 'udp' | 'tcp';

/** One listening socket, e.g. `udp/127.0.0.1:5060` or `tcp/[::1]:5060`. */
export interface ListenSpec {
  protocol: TransportProtocol;
  host: string;
  /** 0 lets the OS choose; the bound port is reported by `TransportLayer.listening()`. */
  port: number;
}

/** A remote (or local) transport address. */
export interface Endpoint {
  protocol: TransportProtocol;
  address: string;
  port: number;
}

/** Where a message came from and which local socket received it. */
export interface Source extends Endpoint {
  localAddress: string;
  localPort: number;
}

export interface ReceivedMessage {
  message: AnySipMessage;
  source: Source;
  /** Size of the message on the wire, in bytes. */
  bytes: number;
}

export interface SentMessage {
  /** The local socket the message left from. */
  local: Endpoint;
  destination: Endpoint;
  bytes: number;
}

/** Thrown (or rejected) when a message cannot be delivered: unreachable, connection refused, closed. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
}

/**
 * The transport layer of RFC 3261 §18. Incoming requests already carry `received`/`rport`
 * (§18.2.1, RFC 3581) on their top Via; responses are passed up unchanged.
 */
export interface TransportLayer {
  /** Bound listeners, with the ports the OS chose. */
  listening(): ListenSpec[];
  /**
   * Send a request or response. For TCP, reuses a connection to (or from) the destination or opens
   * one. Resolves once written; rejects with TransportError.
   */
  send(message: AnySipMessage, destination: Endpoint): Promise<SentMessage>;
  /** Send a message already serialized (a retransmission kept as bytes); same rules as `send`. */
  sendRaw(data: Buffer, destination: Endpoint): Promise<SentMessage>;
  /** Local address the engine uses towards a destination (for Via and Contact). */
  localFor(destination: Endpoint): Endpoint;
  onMessage(handler: (received: ReceivedMessage) => void): void;
  close(): Promise<void>;
}
