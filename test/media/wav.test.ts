import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav, readWav, resample, UnsupportedWavError } from '../../src/media/embedded/wav';

function wav({ channels = 1, rate = 8000, bits = 16, format = 1, samples = [0, 1000, -1000, 32767] } = {}): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => data.writeInt16LE(s, i * 2));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(format, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE((rate * channels * bits) / 8, 28);
  header.writeUInt16LE((channels * bits) / 8, 32);
  header.writeUInt16LE(bits, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

describe('readWav', () => {
  it('reads mono 16-bit PCM', () => {
    const pcm = parseWav(wav(), 'x.wav');
    expect(pcm.sampleRate).toBe(8000);
    expect([...pcm.samples]).toEqual([0, 1000, -1000, 32767]);
  });

  it('mixes stereo down to mono', () => {
    const pcm = parseWav(wav({ channels: 2, samples: [100, 300, -200, -400] }), 'x.wav');
    expect([...pcm.samples]).toEqual([200, -300]);
  });

  it.each([
    ['8-bit', { bits: 8 }, /8-bit/],
    ['float', { format: 3 }, /audio format 3/],
    ['6 channels', { channels: 6 }, /6 channels/],
  ])('rejects %s with the file name in the message', (_label, options, why) => {
    expect(() => parseWav(wav(options), '/music/own.wav')).toThrow(UnsupportedWavError);
    expect(() => parseWav(wav(options), '/music/own.wav')).toThrow(/\/music\/own\.wav/);
    expect(() => parseWav(wav(options), '/music/own.wav')).toThrow(why);
  });

  it('rejects a missing or non-WAV file naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wav-'));
    writeFileSync(join(dir, 'text.wav'), 'not audio');
    expect(() => readWav(join(dir, 'text.wav'))).toThrow(/text\.wav: not a RIFF\/WAVE file/);
    expect(() => readWav(join(dir, 'absent.wav'))).toThrow(UnsupportedWavError);
  });

  it('reads every committed sound as 8 kHz mono', () => {
    const root = join(__dirname, '../../sounds');
    const files = ['parked-on.wav', 'music.wav', 'beep.wav', ...readdirSync(join(root, 'digits')).map((f) => `digits/${f}`)];
    expect(files).toHaveLength(13);
    for (const file of files) {
      const pcm = readWav(join(root, file));
      expect(pcm.sampleRate).toBe(8000);
      expect(pcm.samples.length).toBeGreaterThan(800);
    }
  });
});

describe('resample', () => {
  it('doubles the rate by interpolation', () => {
    const up = resample({ sampleRate: 8000, samples: Int16Array.from([0, 100, 200]) }, 16000);
    expect(up.sampleRate).toBe(16000);
    expect([...up.samples]).toEqual([0, 50, 100, 150, 200, 200]);
  });

  it('averages when going down', () => {
    const down = resample({ sampleRate: 16000, samples: Int16Array.from([0, 100, 200, 300]) }, 8000);
    expect([...down.samples]).toEqual([50, 250]);
  });

  it('keeps the duration for 44.1 kHz input', () => {
    const down = resample({ sampleRate: 44100, samples: new Int16Array(44100) }, 8000);
    expect(down.samples.length).toBe(8000);
  });
});
