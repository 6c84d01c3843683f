/**
 * One app connection on the admin socket: its identity, what it routed, and the write side.
 * Reading and dispatch live in ControlServer.
 */
import type { Socket } from 'node:net';
import type pino from 'pino';
import { newUniqueId } from '../message/ids';
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
  /** Frames (`<len>#<payload>`, back to back) waiting for the end of this event-loop turn. */
  private pendingText = '';
  private pendingBytes = 0;
  private flushScheduled = false;

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
    this.flush();
    this.state = 'closing';
    const socket = this.socket;
    socket.end(() => socket.destroy());
    setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
  }

  destroy(): void {
    if (this.state !== 'closed') this.state = 'closing';
    this.pendingText = '';
    this.pendingBytes = 0;
    this.socket.destroy();
  }

  /**
   * Frames are gathered and written once per event-loop turn (in the check phase, after every
   * datagram and app frame read in this turn was handled): one write system call for many frames.
   */
  private send(tokensAfterId: readonly string[], sipText?: string): void {
    if (this.closed) return;
    const payload = joinPayload([newUniqueId(), ...tokensAfterId], sipText);
    const bytes = Buffer.byteLength(payload, 'utf8');
    this.pendingText += `${bytes}#${payload}`;
    this.pendingBytes += bytes;
    if (this.socket.writableLength + this.pendingBytes > this.maxWriteBufferBytes) {
      this.log.error(
        { bufferedBytes: this.socket.writableLength + this.pendingBytes },
        'app does not read its admin socket; connection dropped',
      );
      this.destroy();
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushFromTimer);
    }
  }

  private readonly flushFromTimer = (): void => {
    this.flushScheduled = false;
    try {
      this.flush();
    } catch (error) {
      this.log.error({ err: error }, 'writing to the admin socket failed');
    }
  };

  private flush(): void {
    if (this.pendingText === '') return;
    const text = this.pendingText;
    this.pendingText = '';
    this.pendingBytes = 0;
    if (!this.socket.destroyed) this.socket.write(text, 'utf8');
  }
}
