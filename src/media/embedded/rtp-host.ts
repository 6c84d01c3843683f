/**
 * The split between a hold session's SDP negotiation (always on the main thread, because
 * `localSdp`, `acceptAnswer` and `updateRemote` are synchronous) and its RTP half (socket, pacing,
 * playback, latching), which runs either in-thread or in the RTP worker. Everything here is plain
 * data so that it can cross a worker boundary by structured clone.
 */
import type { HoldSound } from '../types';
import type { CodecName } from './codecs';
import type { RemoteMedia } from './sdp';

/** The outcome of an offer/answer exchange, as far as sending is concerned. */
export interface StreamMedia {
  readonly codec: CodecName;
  readonly payloadType: number;
  /** Our direction allows sending (sendrecv or sendonly). */
  readonly sending: boolean;
  readonly remote: RemoteMedia;
}

export type Prompt = { readonly kind: 'announce'; readonly digits: string } | { readonly kind: 'beep' };

/** The RTP half of one hold session, wherever it runs. */
export interface StreamControl {
  /** Starts sending with the first negotiated media. */
  start(media: StreamMedia): void;
  /** The party re-negotiated: forget the latch and follow `media.remote`. */
  update(media: StreamMedia): void;
  play(sound: HoldSound): void;
  /** Resolves when the prompt has played, was cut short by another one, or the stream closed. */
  playOnce(prompt: Prompt): Promise<void>;
  /** Stops sending and closes the socket. Called at most once. */
  close(): Promise<void>;
  /**
   * `callback` runs once if the stream dies on its own (its worker crashed and was not restarted,
   * or the restarted one could not bind its port again); at once if it already has.
   */
  onLost(callback: () => void): void;
}

export interface OpenRequest {
  readonly callId: string;
  readonly port: number;
  readonly sound: HoldSound;
}

/** Binds RTP sockets and runs their streams. */
export interface RtpHost {
  /**
   * Binds `request.port` and creates a stream on it. Rejects with MediaUnavailableError when the
   * host itself is gone (stopped, crashed); any other error means this port could not be bound.
   */
  open(request: OpenRequest): Promise<StreamControl>;
  /** Resolves once open() can bind at once (the worker is up, its sounds encoded); rejects if it never will. */
  ready(): Promise<void>;
  /** Closes what is left; afterwards open() rejects. */
  stop(): Promise<void>;
}

export function isSending(direction: string): boolean {
  return direction === 'sendrecv' || direction === 'sendonly';
}
