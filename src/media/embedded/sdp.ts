/**
 * SDP offer/answer (RFC 3264) for a single audio stream: answer a caller's offer, make our own
 * offer, accept the answer to it.
 */
import { isIP } from 'node:net';
import { parse, type MediaDescription, type SessionDescription } from 'sdp-transform';
import { InvalidSdpError, NoCommonCodecError } from '../types';
import type { Codec } from './codecs';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface TelephoneEvent {
  readonly payloadType: number;
  /** The events we accept, e.g. `0-16`. */
  readonly events: string;
}

export interface RemoteMedia {
  /** Address from the c= line; null when it is a hold address (0.0.0.0, ::) — wait for latching. */
  readonly address: string | null;
  readonly port: number;
}

/** What both sides agreed on for the audio stream. */
export interface Negotiated {
  readonly codec: Codec;
  /** Payload type to send the codec with (the peer's, normally the static one). */
  readonly payloadType: number;
  readonly telephoneEvent?: TelephoneEvent;
  readonly remote: RemoteMedia;
  /** Our direction; we send RTP only when it is sendrecv or sendonly. */
  readonly direction: Direction;
}

/** The result of answering an offer: the negotiation plus what the answer must mirror. */
export interface OfferNegotiation extends Negotiated {
  readonly protocol: string;
  readonly audioIndex: number;
  /** Every m-line of the offer; the answer keeps their number and order (RFC 3264 §6). */
  readonly offeredMedia: ReadonlyArray<{ type: string; protocol: string; payloads: string }>;
}

/** Our side of the stream, written into the SDP we send. */
export interface LocalMedia {
  readonly address: string;
  readonly port: number;
  readonly sessionId: string;
  readonly sessionVersion: number;
}

export const TELEPHONE_EVENT_PT = 101;
const DEFAULT_EVENTS = '0-16';
const RTP_PROFILES = new Set(['RTP/AVP', 'RTP/AVPF']);
const STATIC_PAYLOAD_TYPES: Readonly<Record<number, string>> = { 0: 'PCMU', 8: 'PCMA', 9: 'G722' };
const ANSWER_DIRECTION: Readonly<Record<Direction, Direction>> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

/** Answers a caller's offer, honouring the caller's codec order. */
export function negotiateOffer(offerSdp: string, codecs: readonly Codec[], ourAddress: string): OfferNegotiation {
  const offer = parseSdp(offerSdp);
  const audio = findAudio(offer);
  const { media, index } = audio;
  const remote = remoteMedia(offer, media, ourAddress);
  const chosen = chooseCodec(media, codecs);
  if (!chosen) {
    throw new NoCommonCodecError(`no common audio codec: offered ${String(media.payloads ?? '')}, ours ${codecs.map((c) => c.name).join(' ')}`);
  }
  return {
    ...chosen,
    telephoneEvent: findTelephoneEvent(media),
    remote,
    direction: ANSWER_DIRECTION[directionOf(offer, media)],
    protocol: media.protocol,
    audioIndex: index,
    offeredMedia: offer.media.map((m) => ({ type: m.type, protocol: m.protocol, payloads: String(m.payloads ?? '') })),
  };
}

export function buildAnswer(negotiation: OfferNegotiation, local: LocalMedia): string {
  const lines = sessionLines(local);
  negotiation.offeredMedia.forEach((offered, index) => {
    if (index === negotiation.audioIndex) {
      const { codec, payloadType, telephoneEvent } = negotiation;
      const payloads = telephoneEvent ? `${payloadType} ${telephoneEvent.payloadType}` : `${payloadType}`;
      lines.push(`m=audio ${local.port} ${negotiation.protocol} ${payloads}`);
      lines.push(`a=rtpmap:${payloadType} ${codec.name}/8000`);
      if (telephoneEvent) {
        lines.push(`a=rtpmap:${telephoneEvent.payloadType} telephone-event/8000`);
        lines.push(`a=fmtp:${telephoneEvent.payloadType} ${telephoneEvent.events}`);
      }
      lines.push('a=ptime:20', `a=${negotiation.direction}`);
    } else {
      lines.push(`m=${offered.type} 0 ${offered.protocol} ${offered.payloads || '0'}`);
    }
  });
  return lines.join('\r\n') + '\r\n';
}

/** Our offer: every codec we have (PCMU, PCMA, G722 as configured) plus telephone-event. */
export function buildOffer(codecs: readonly Codec[], local: LocalMedia): string {
  const lines = sessionLines(local);
  const payloads = [...codecs.map((c) => c.payloadType), TELEPHONE_EVENT_PT].join(' ');
  lines.push(`m=audio ${local.port} RTP/AVP ${payloads}`);
  for (const codec of codecs) lines.push(`a=rtpmap:${codec.payloadType} ${codec.name}/8000`);
  lines.push(`a=rtpmap:${TELEPHONE_EVENT_PT} telephone-event/8000`, `a=fmtp:${TELEPHONE_EVENT_PT} ${DEFAULT_EVENTS}`);
  lines.push('a=ptime:20', 'a=sendrecv');
  return lines.join('\r\n') + '\r\n';
}

/** Accepts the answer to buildOffer: the first codec of the answer that we offered wins. */
export function negotiateAnswer(answerSdp: string, offered: readonly Codec[], ourAddress: string): Negotiated {
  const answer = parseSdp(answerSdp);
  const { media } = findAudio(answer);
  const remote = remoteMedia(answer, media, ourAddress);
  const chosen = chooseCodec(media, offered);
  if (!chosen) throw new NoCommonCodecError(`the answer has none of our codecs: ${String(media.payloads ?? '')}`);
  const theirDirection = directionOf(answer, media);
  const weSend = theirDirection === 'sendrecv' || theirDirection === 'recvonly';
  const weReceive = theirDirection === 'sendrecv' || theirDirection === 'sendonly';
  const direction: Direction = weSend ? (weReceive ? 'sendrecv' : 'sendonly') : weReceive ? 'recvonly' : 'inactive';
  return { ...chosen, telephoneEvent: findTelephoneEvent(media), remote, direction };
}

function parseSdp(text: string): SessionDescription {
  if (typeof text !== 'string' || !/^v=0\s*$/m.test(text)) throw new InvalidSdpError('not an SDP body (no v=0 line)');
  let sdp: SessionDescription;
  try {
    sdp = parse(text);
  } catch (err) {
    throw new InvalidSdpError(`unparsable SDP: ${(err as Error).message}`);
  }
  if (!Array.isArray(sdp.media) || sdp.media.length === 0) throw new InvalidSdpError('SDP has no m= line');
  return sdp;
}

function findAudio(sdp: SessionDescription): { media: MediaDescription; index: number } {
  const audio = sdp.media
    .map((media, index) => ({ media, index }))
    .filter(({ media }) => media.type === 'audio');
  if (audio.length === 0) throw new InvalidSdpError('SDP has no audio stream');
  for (const candidate of audio) {
    const { port, protocol } = candidate.media;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidSdpError(`bad audio port ${String(port)}`);
    if (port !== 0 && RTP_PROFILES.has(protocol)) return candidate;
  }
  // Only disabled or secure (SAVP) audio streams: a capability mismatch, not a malformed body.
  throw new NoCommonCodecError(`no usable audio stream (need RTP/AVP on a non-zero port; got ${audio.map((a) => `${a.media.protocol}:${a.media.port}`).join(', ')})`);
}

function remoteMedia(sdp: SessionDescription, media: MediaDescription, ourAddress: string): RemoteMedia {
  const connection = media.connection ?? sdp.connection;
  if (!connection) throw new InvalidSdpError('audio stream has no c= line');
  const address = connection.ip.split('/')[0] ?? '';
  if (address === '') throw new InvalidSdpError('empty c= address');
  const ourFamily = isIP(ourAddress) === 6 ? 6 : 4;
  if (connection.version !== ourFamily) {
    // Nothing can flow between families: a capability mismatch (488), like a codec mismatch.
    throw new NoCommonCodecError(`peer media is IPv${connection.version}, ours is IPv${ourFamily}`);
  }
  const literal = isIP(address);
  if (literal !== 0 && literal !== ourFamily) throw new InvalidSdpError(`c= address ${address} is not IPv${ourFamily}`);
  const hold = address === '0.0.0.0' || address === '::';
  return { address: hold ? null : address, port: media.port };
}

function directionOf(sdp: SessionDescription, media: MediaDescription): Direction {
  return media.direction ?? sdp.direction ?? 'sendrecv';
}

function payloadList(media: MediaDescription): number[] {
  // sdp-transform yields a number, not a string, when there is a single payload type.
  return String(media.payloads ?? '')
    .trim()
    .split(/\s+/)
    .filter((token) => /^\d+$/.test(token))
    .map(Number);
}

function rtpmapOf(media: MediaDescription, payloadType: number): { name: string; rate: number } | undefined {
  const entry = (media.rtp ?? []).find((r) => r.payload === payloadType);
  if (entry) return { name: entry.codec.toUpperCase(), rate: entry.rate ?? 8000 };
  const staticName = STATIC_PAYLOAD_TYPES[payloadType];
  return staticName ? { name: staticName, rate: 8000 } : undefined;
}

function chooseCodec(media: MediaDescription, codecs: readonly Codec[]): { codec: Codec; payloadType: number } | undefined {
  for (const payloadType of payloadList(media)) {
    const map = rtpmapOf(media, payloadType);
    if (!map || map.rate !== 8000) continue;
    const codec = codecs.find((c) => c.name === map.name);
    if (codec) return { codec, payloadType };
  }
  return undefined;
}

function findTelephoneEvent(media: MediaDescription): TelephoneEvent | undefined {
  const entry = (media.rtp ?? []).find(
    (r) => r.codec.toLowerCase() === 'telephone-event' && (r.rate ?? 8000) === 8000 && payloadList(media).includes(r.payload),
  );
  if (!entry) return undefined;
  const fmtp = (media.fmtp ?? []).find((f) => f.payload === entry.payload);
  const events = fmtp && /^[\d,\- ]+$/.test(fmtp.config) ? fmtp.config.replace(/\s+/g, '') : DEFAULT_EVENTS;
  return { payloadType: entry.payload, events };
}

function sessionLines(local: LocalMedia): string[] {
  const ip = isIP(local.address) === 6 ? 'IP6' : 'IP4';
  return [
    'v=0',
    `o=callpark ${local.sessionId} ${local.sessionVersion} IN ${ip} ${local.address}`,
    's=callpark',
    `c=IN ${ip} ${local.address}`,
    't=0 0',
  ];
}
