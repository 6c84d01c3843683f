/**
 * The media contract of DESIGN §6: one interface, two backends (embedded RTP, FreeSWITCH).
 * The SIP app only ever talks to these types.
 */

/** What a held party hears between announcements. */
export type HoldSound = 'music' | 'ringback' | 'silence';

export interface HoldRequest {
  /** Call-ID (or another id) of the held leg, for logs. */
  callId: string;
  /**
   * The held party's SDP offer; the session answers it. Omit it to make the session offer
   * (re-INVITE of an established leg in B2BUA mode); then call `acceptAnswer`.
   */
  remoteOffer?: string;
  /** Start with this sound (default `music`). */
  sound?: HoldSound;
}

export interface HoldSession {
  readonly id: string;
  /** The SDP to send to the held party (an answer, or an offer when no remoteOffer was given). */
  readonly localSdp: string;
  /** Complete an offer we made (see HoldRequest.remoteOffer). */
  acceptAnswer(remoteAnswer: string): void;
  /**
   * The held party sent a new offer (a re-INVITE: new address, port, SSRC or codecs). Re-negotiate,
   * send our music to the new address, and return our answer (same port; same codec when still
   * offered). Throws NoCommonCodecError or InvalidSdpError (the SIP app answers 488 and the session
   * stays as it was), RemoteUpdateUnsupportedError when the backend cannot do it. Optional so that
   * a backend without it still fits; the SIP app then answers 488.
   */
  updateRemote?(offer: string): string;
  /** Switch what the party hears. */
  play(sound: HoldSound): void;
  /** Speak "parked on" and the digits, then resume the current sound. Resolves when finished. */
  announce(digits: string): Promise<void>;
  /** Play a short beep (courtesy tone) once. */
  beep(): Promise<void>;
  /** Stop sending, close sockets. Idempotent. */
  release(): Promise<void>;
}

export interface MediaBackend {
  readonly name: 'embedded' | 'freeswitch';
  hold(request: HoldRequest): Promise<HoldSession>;
  /** Sessions currently holding resources (for leak checks and metrics). */
  activeSessions(): number;
  stop(): Promise<void>;
}

/** No codec of ours is in the offer: the SIP app answers 488. */
export class NoCommonCodecError extends Error {
  override readonly name = 'NoCommonCodecError';
}

/** The SDP could not be parsed or has no usable audio stream: the SIP app answers 488 or 400. */
export class InvalidSdpError extends Error {
  override readonly name = 'InvalidSdpError';
}

/** No RTP port free, or the media server is unreachable: the SIP app answers 503. */
export class MediaUnavailableError extends Error {
  override readonly name = 'MediaUnavailableError';
}

/** The backend cannot re-negotiate an established hold session (HoldSession.updateRemote): the SIP app answers 488. */
export class RemoteUpdateUnsupportedError extends Error {
  override readonly name = 'RemoteUpdateUnsupportedError';
}
