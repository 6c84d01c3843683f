import { readFileSync } from 'node:fs';

/** A WAV file that this engine cannot play; the message names the file. */
export class UnsupportedWavError extends Error {
  override readonly name = 'UnsupportedWavError';
}

/** Mono 16-bit PCM samples at a known rate. */
export interface Pcm {
  readonly sampleRate: number;
  readonly samples: Int16Array;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Reads a 16-bit PCM WAV file (mono or stereo, any rate); stereo is mixed down to mono.
 * Throws UnsupportedWavError naming the file for anything else.
 */
export function readWav(file: string): Pcm {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    throw new UnsupportedWavError(`${file}: cannot read: ${(err as Error).message}`);
  }
  return parseWav(data, file);
}

export function parseWav(data: Buffer, file: string): Pcm {
  const fail = (why: string): never => {
    throw new UnsupportedWavError(`${file}: ${why} (need a 16-bit PCM WAV)`);
  };
  if (data.length < 12 || data.toString('latin1', 0, 4) !== 'RIFF' || data.toString('latin1', 8, 12) !== 'WAVE') {
    fail('not a RIFF/WAVE file');
  }
  let format: { channels: number; sampleRate: number; bits: number } | undefined;
  let samples: Buffer | undefined;
  for (let offset = 12; offset + 8 <= data.length; ) {
    const id = data.toString('latin1', offset, offset + 4);
    const size = data.readUInt32LE(offset + 4);
    const body = data.subarray(offset + 8, Math.min(data.length, offset + 8 + size));
    if (id === 'fmt ') {
      if (body.length < 16) fail('fmt chunk too short');
      const tag = body.readUInt16LE(0);
      if (tag !== WAVE_FORMAT_PCM && tag !== WAVE_FORMAT_EXTENSIBLE) fail(`audio format ${tag} is not PCM`);
      format = { channels: body.readUInt16LE(2), sampleRate: body.readUInt32LE(4), bits: body.readUInt16LE(14) };
    } else if (id === 'data') {
      samples = body;
    }
    offset += 8 + size + (size % 2); // chunks are word-aligned
  }
  if (!format) return fail('no fmt chunk');
  if (!samples) return fail('no data chunk');
  if (format.bits !== 16) fail(`${format.bits}-bit samples`);
  if (format.channels !== 1 && format.channels !== 2) fail(`${format.channels} channels (mono or stereo only)`);
  if (format.sampleRate < 4000 || format.sampleRate > 192000) fail(`sample rate ${format.sampleRate} Hz`);

  const frames = Math.floor(samples.length / (2 * format.channels));
  if (frames === 0) fail('no audio');
  const mono = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    if (format.channels === 1) {
      mono[i] = samples.readInt16LE(i * 2);
    } else {
      mono[i] = (samples.readInt16LE(i * 4) + samples.readInt16LE(i * 4 + 2)) >> 1;
    }
  }
  return { sampleRate: format.sampleRate, samples: mono };
}

/**
 * Converts to another sample rate by linear interpolation. When going down, each output
 * sample first averages the input samples it covers, a crude low-pass against aliasing;
 * good enough for prompts and hold music, not for hi-fi.
 */
export function resample(pcm: Pcm, targetRate: number): Pcm {
  if (pcm.sampleRate === targetRate) return pcm;
  const input = pcm.samples;
  const ratio = pcm.sampleRate / targetRate;
  const length = Math.max(1, Math.floor(input.length / ratio));
  const output = new Int16Array(length);
  if (ratio > 1) {
    for (let i = 0; i < length; i++) {
      const from = Math.floor(i * ratio);
      const to = Math.min(input.length, Math.max(from + 1, Math.floor((i + 1) * ratio)));
      let sum = 0;
      for (let j = from; j < to; j++) sum += input[j];
      output[i] = Math.round(sum / (to - from));
    }
  } else {
    for (let i = 0; i < length; i++) {
      const position = i * ratio;
      const left = Math.floor(position);
      const right = Math.min(input.length - 1, left + 1);
      const weight = position - left;
      output[i] = Math.round(input[left] * (1 - weight) + input[right] * weight);
    }
  }
  return { sampleRate: targetRate, samples: output };
}
