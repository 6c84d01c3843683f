import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { HoldSession, HoldSound } from '../types';
import type { Codec } from './codecs';
import { isSending, type StreamControl, type StreamMedia } from './rtp-host';
import { HoldSessionStateError } from './rtp-stream';
import type { Negotiated, OfferNegotiation } from './sdp';

export { HoldSessionStateError };

export interface SessionDependencies {
  readonly localSdp: string;
  /** The RTP half: in this thread or in the RTP worker. */
  readonly stream: StreamControl;
  readonly log: Logger;
  /** Our offer's codecs, when we made the offer and wait for an answer. */
  readonly offeredCodecs?: readonly Codec[];
  readonly negotiateAnswer: (answer: string) => Negotiated;
  /**
   * Answers a new offer from the held party on the same port: prefers `keep` (the codec in use)
   * when the offer still has it. Throws NoCommonCodecError or InvalidSdpError.
   */
  readonly answerReoffer: (offer: string, keep: Codec | undefined) => { negotiated: OfferNegotiation; answer: string };
  /** Frees the port and forgets the session; called once, after the socket is closed. */
  readonly onReleased: (session: EmbeddedHoldSession) => void;
}

function streamMedia(negotiated: Negotiated): StreamMedia {
  return { codec: negotiated.codec.name, payloadType: negotiated.payloadType, sending: isSending(negotiated.direction), remote: negotiated.remote };
}

/**
 * One held party, as the SIP app sees it: the SDP offer/answer state here, on the calling thread
 * (localSdp, acceptAnswer and updateRemote answer synchronously); sending, playback and latching
 * in its StreamControl.
 */
export class EmbeddedHoldSession implements HoldSession {
  readonly id = randomUUID();

  private readonly deps: SessionDependencies;
  private codec: Codec | undefined;
  private currentLocalSdp: string;
  private released: Promise<void> | undefined;

  constructor(deps: SessionDependencies) {
    this.deps = deps;
    this.currentLocalSdp = deps.localSdp;
    deps.stream.onLost(() => {
      if (this.released) return;
      this.released = Promise.resolve();
      deps.onReleased(this);
    });
  }

  get localSdp(): string {
    return this.currentLocalSdp;
  }

  /** Starts the stream with the outcome of the offer/answer exchange. */
  start(negotiated: Negotiated): void {
    if (this.released) return;
    this.codec = negotiated.codec;
    this.deps.stream.start(streamMedia(negotiated));
  }

  acceptAnswer(remoteAnswer: string): void {
    if (this.released) throw new HoldSessionStateError('acceptAnswer after release');
    if (!this.deps.offeredCodecs || this.codec) throw new HoldSessionStateError('acceptAnswer without an outstanding offer');
    this.start(this.deps.negotiateAnswer(remoteAnswer));
  }

  updateRemote(offer: string): string {
    if (this.released) throw new HoldSessionStateError('updateRemote after release');
    const { negotiated, answer } = this.deps.answerReoffer(offer, this.codec);
    this.currentLocalSdp = answer;
    if (!this.codec) {
      // Our own offer was still unanswered: the new offer settles the session instead.
      this.start(negotiated);
      return answer;
    }
    this.codec = negotiated.codec;
    this.deps.stream.update(streamMedia(negotiated));
    this.deps.log.info({ codec: negotiated.codec.name, remote: negotiated.remote, direction: negotiated.direction }, 'hold media re-negotiated');
    return answer;
  }

  play(sound: HoldSound): void {
    if (!this.released) this.deps.stream.play(sound);
  }

  announce(digits: string): Promise<void> {
    if (this.released) return Promise.resolve();
    return this.deps.stream.playOnce({ kind: 'announce', digits });
  }

  beep(): Promise<void> {
    if (this.released) return Promise.resolve();
    return this.deps.stream.playOnce({ kind: 'beep' });
  }

  release(): Promise<void> {
    this.released ??= this.close();
    return this.released;
  }

  private async close(): Promise<void> {
    await this.deps.stream.close();
    this.deps.onReleased(this);
  }
}
