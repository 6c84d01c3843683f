import { encodeAlaw, encodeMulaw } from './g711';

export type CodecName = 'PCMU' | 'PCMA' | 'G722';

/** One 20 ms RTP payload, encoded once at start-up and shared by every session. */
export type Frame = Buffer;

export const FRAME_MS = 20;
/** RTP timestamp units per frame. RFC 3551 §4.5.2: G.722 also uses an 8000 Hz RTP clock. */
export const TIMESTAMP_STEP = 160;

export interface Codec {
  readonly name: CodecName;
  /** Static payload type (RFC 3551). */
  readonly payloadType: number;
  /** Sample rate of the PCM the encoder consumes. */
  readonly sampleRate: number;
  /** Encodes a whole clip; a stateful encoder starts from its reset state. */
  encode(pcm: Int16Array): Buffer;
}

export const PCMU: Codec = { name: 'PCMU', payloadType: 0, sampleRate: 8000, encode: encodeMulaw };
export const PCMA: Codec = { name: 'PCMA', payloadType: 8, sampleRate: 8000, encode: encodeAlaw };

export function samplesPerFrame(codec: Codec): number {
  return (codec.sampleRate * FRAME_MS) / 1000;
}

/**
 * Encodes a clip and cuts it into 20 ms frames (the last one padded with silence). The
 * frames are views into one buffer. With `loop`, a stateful codec's frames are taken from a
 * second pass so that the encoder state at the seam matches what the decoder has seen.
 */
export function encodeFrames(codec: Codec, pcm: Int16Array, options: { loop?: boolean } = {}): Frame[] {
  const perFrame = samplesPerFrame(codec);
  const frameCount = Math.max(1, Math.ceil(pcm.length / perFrame));
  const padded = new Int16Array(frameCount * perFrame);
  padded.set(pcm);
  let encoded: Buffer;
  if (options.loop && codec.name === 'G722') {
    const twice = new Int16Array(padded.length * 2);
    twice.set(padded);
    twice.set(padded, padded.length);
    const both = codec.encode(twice);
    encoded = both.subarray(both.length / 2);
  } else {
    encoded = codec.encode(padded);
  }
  const bytesPerFrame = encoded.length / frameCount;
  const frames: Frame[] = [];
  for (let i = 0; i < frameCount; i++) frames.push(encoded.subarray(i * bytesPerFrame, (i + 1) * bytesPerFrame));
  return frames;
}
