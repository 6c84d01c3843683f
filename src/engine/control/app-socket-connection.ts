/**
 * One app connection on the admin socket: its identity, what it routed, and the write side.
 * Reading and dispatch live in ControlServer.
 */
import type { Socket } from 'node:net';
import type pino from 'pino';
import { newUniqueId } from '../message/ids';
import { encodeFrame } from './frame-codec';
import { failureTokens, isSafeToken, joinPayload } from './leader';
import type { AppConnection } from './types';

/** How long a connection being closed may take to flush before it is destroyed. */
const END_GRACE_MS = 2000;

export type ConnectionState = 'unauthenticated' | 'authenticated' | 'closing' | 'closed';

export class AppSocketConnection implements AppConnection {
  state: ConnectionState = 'unauthenticated';
  tags: readonly string[] = [];
  /** Lower-case verbs (SIP methods, `cdr:*`) this app routed; a set, duplicates are harmless. */
  readonly routes = new Set<string>();
  /** Set while frames written in this event-loop turn are held back (corked) to go out in one writev. */
  private corked = false;

  constructor(
    readonly id: string,
    /** `address:port` of the app, for logs. */
    readonly remote: string,
    private readonly socket: Socket,
    readonly log: pino.Logger,
    private readonly maxWriteBufferBytes: number,
  ) {}

  get closed(): boolean {
    return this.state === 'closing' || this.state === 'closed';
  }

  get authenticated(): boolean {
    return this.state === 'authenticated';
  }

  respond(rid: string, tokens: readonly string[], sipText?: string): void {
    if (!tokens.every(isSafeToken)) {
      this.log.error({ rid, tokens }, 'reply tokens contain | or a line break; sending NOK instead');
      this.send(['response', rid, ...failureTokens('internal error: invalid reply')]);
      return;
    }
    this.send(['response', rid, ...tokens], sipText);
  }

  push(tokens: readonly string[], sipText?: string): void {
    if (!tokens.every(isSafeToken)) {
      this.log.error({ tokens }, 'frame tokens contain | or a line break; frame dropped');
      return;
    }
    this.send(tokens, sipText);
  }

  /** Flush what was written, then close; a peer that does not read is cut off after a grace period. */
  end(): void {
    if (this.closed) return;
    this.uncorkNow();
    this.state = 'closing';
    const socket = this.socket;
    socket.end(() => socket.destroy());
    setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
  }

  destroy(): void {
    if (this.state !== 'closed') this.state = 'closing';
    this.socket.destroy();
  }

  /**
   * Frames are corked and written together once per event-loop turn (in the check phase, after
   * every datagram and app frame read in this turn was handled): one writev for many frames.
   * Each frame is its own small Buffer (from Node's pool), not one large string: large transient
   * allocations at high rates leave the process's resident memory high long after the load.
   */
  private send(tokensAfterId: readonly string[], sipText?: string): void {
    if (this.closed) return;
    const payload = joinPayload([newUniqueId(), ...tokensAfterId], sipText);
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(this.uncorkNow);
    }
    this.socket.write(encodeFrame(payload));
    if (this.socket.writableLength > this.maxWriteBufferBytes) {
      this.log.error(
        { bufferedBytes: this.socket.writableLength },
        'app does not read its admin socket; connection dropped',
      );
      this.destroy();
    }
  }

  private readonly uncorkNow = (): void => {
    if (!this.corked) return;
    this.corked = false;
    if (!this.socket.destroyed) this.socket.uncork();
  };
}
