import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { HoldSound } from '../types';
import { encodeFrames, FRAME_MS, samplesPerFrame, type Codec, type CodecName, type Frame } from './codecs';
import { readWav, resample, type Pcm } from './wav';

/** Where each sound comes from. Digits are `<digitsDir>/0.wav` … `9.wav`. */
export interface SoundFiles {
  readonly music: string;
  readonly parkedOn: string;
  readonly digitsDir: string;
  readonly beep: string;
}

/** Every sound of one codec, as ready-to-send 20 ms frames. */
export interface CodecSounds {
  readonly loops: Readonly<Record<HoldSound, readonly Frame[]>>;
  readonly beep: readonly Frame[];
  /** "Parked on" and the digits, framed by short silences; characters other than 0-9 are skipped. */
  announcement(digits: string): Frame[];
}

const LEAD_IN_MS = 200;
const AFTER_PROMPT_MS = 160;
const BETWEEN_DIGITS_MS = 40;
const TAIL_MS = 400;

/** The sounds/ directory shipped with callpark, found from this module's location (src/ or dist/src/). */
export function defaultSoundFiles(): SoundFiles {
  let dir = __dirname;
  while (!existsSync(join(dir, 'sounds', 'parked-on.wav'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`callpark sounds/ directory not found above ${__dirname}`);
    dir = parent;
  }
  const root = join(dir, 'sounds');
  return {
    music: join(root, 'music.wav'),
    parkedOn: join(root, 'parked-on.wav'),
    digitsDir: join(root, 'digits'),
    beep: join(root, 'beep.wav'),
  };
}

/**
 * Reads every sound once and encodes it once per codec. Throws UnsupportedWavError (naming the
 * file) at start-up rather than when a call is parked.
 */
export function loadSoundBank(files: SoundFiles, codecs: readonly Codec[], log: Logger): Map<CodecName, CodecSounds> {
  const source = readSounds(files);
  const bank = new Map<CodecName, CodecSounds>();
  for (const codec of codecs) {
    bank.set(codec.name, encodeSounds(codec, source));
    log.debug({ codec: codec.name }, 'sounds encoded');
  }
  return bank;
}

/** Reads every file without encoding it: throws UnsupportedWavError (naming the file) as loadSoundBank would. */
export function checkSoundFiles(files: SoundFiles): void {
  readSounds(files);
}

function readSounds(files: SoundFiles): { music: Pcm; parkedOn: Pcm; beep: Pcm; digits: Pcm[] } {
  return {
    music: readWav(files.music),
    parkedOn: readWav(files.parkedOn),
    beep: readWav(files.beep),
    digits: Array.from({ length: 10 }, (_, d) => readWav(join(files.digitsDir, `${d}.wav`))),
  };
}

function encodeSounds(codec: Codec, source: { music: Pcm; parkedOn: Pcm; beep: Pcm; digits: Pcm[] }): CodecSounds {
  const at = (pcm: Pcm): Int16Array => resample(pcm, codec.sampleRate).samples;
  const silence = encodeFrames(codec, new Int16Array(samplesPerFrame(codec)));
  const gap = (ms: number): Frame[] => Array.from({ length: Math.round(ms / FRAME_MS) }, () => silence[0]!);
  const parkedOn = encodeFrames(codec, at(source.parkedOn));
  const digits = source.digits.map((pcm) => encodeFrames(codec, at(pcm)));
  return {
    loops: {
      music: encodeFrames(codec, at(source.music), { loop: true }),
      ringback: encodeFrames(codec, ringbackTone(codec.sampleRate), { loop: true }),
      silence,
    },
    beep: encodeFrames(codec, at(source.beep)),
    announcement(text: string): Frame[] {
      const frames = [...gap(LEAD_IN_MS), ...parkedOn, ...gap(AFTER_PROMPT_MS)];
      for (const char of text) {
        const digit = digits[char.charCodeAt(0) - 48];
        if (char >= '0' && char <= '9' && digit) frames.push(...digit, ...gap(BETWEEN_DIGITS_MS));
      }
      frames.push(...gap(TAIL_MS));
      return frames;
    },
  };
}

/** North American ringback (ITU-T E.180 suppl.): 440 + 480 Hz, 2 s on, 4 s off. */
function ringbackTone(sampleRate: number): Int16Array {
  const pcm = new Int16Array(sampleRate * 6);
  const amplitude = 0.1 * 32767;
  for (let i = 0; i < sampleRate * 2; i++) {
    const t = i / sampleRate;
    pcm[i] = Math.round(amplitude * (Math.sin(2 * Math.PI * 440 * t) + Math.sin(2 * Math.PI * 480 * t)));
  }
  return pcm;
}
