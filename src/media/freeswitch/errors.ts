import { parse } from 'sdp-transform';
import { InvalidSdpError, MediaUnavailableError, NoCommonCodecError } from '../types';

/** SIP statuses from FreeSWITCH that mean it found nothing to answer the offer with. */
const NO_CODEC_STATUSES = new Set([415, 488, 606]);

function sipStatusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number') return err.status;
  return undefined;
}

/** Turns a failure of fsmrf's createEndpoint into one of the media contract's errors. */
export function endpointCreationError(err: unknown): Error {
  if (err instanceof NoCommonCodecError || err instanceof InvalidSdpError || err instanceof MediaUnavailableError) return err;
  const status = sipStatusOf(err);
  if (status !== undefined && NO_CODEC_STATUSES.has(status)) return new NoCommonCodecError(`FreeSWITCH refused the offer (${status})`);
  if (status === 400) return new InvalidSdpError('FreeSWITCH could not read the offer (400)');
  const detail = status !== undefined ? `SIP ${status}` : err instanceof Error ? err.message : String(err);
  return new MediaUnavailableError(`FreeSWITCH could not create an endpoint: ${detail}`);
}

function codecNames(media: ReturnType<typeof parse>['media'][number]): string[] {
  const names = media.rtp.map((rtp) => rtp.codec.toUpperCase());
  // Static payload types may come without an rtpmap line (RFC 3551).
  for (const payload of String(media.payloads ?? '').split(/\s+/)) {
    if (payload === '0') names.push('PCMU');
    if (payload === '8') names.push('PCMA');
    if (payload === '9') names.push('G722');
  }
  return names;
}

/**
 * Checks an offer before it costs a FreeSWITCH channel: an audio stream must be there, plain RTP
 * (fsmrf cannot take DTLS-SRTP offers this way), and, when codecs are configured, one must match.
 */
export function checkOffer(offer: string, codecs: readonly string[] | undefined): void {
  let media;
  try {
    media = parse(offer).media;
  } catch (err) {
    throw new InvalidSdpError(`unreadable SDP offer: ${err instanceof Error ? err.message : String(err)}`);
  }
  const audio = media.find((m) => m.type === 'audio' && m.port !== 0);
  if (!audio) throw new InvalidSdpError('the SDP offer has no active audio stream');
  if (/SAVP/.test(audio.protocol)) throw new NoCommonCodecError(`secure RTP (${audio.protocol}) is not supported`);
  if (codecs && codecs.length > 0) {
    const offered = codecNames(audio);
    if (!codecs.some((codec) => offered.includes(codec.toUpperCase()))) {
      throw new NoCommonCodecError(`offer has none of ${codecs.join(', ')}`);
    }
  }
}
