import { createHash } from 'node:crypto';
import { encodeFrames } from '../../src/media/embedded/codecs';
import { G722, G722Encoder } from '../../src/media/embedded/g722';

/**
 * A deterministic 1 s test signal at 16 kHz in integer arithmetic only (so any implementation
 * can reproduce it): 50 ms of silence, two triangle waves plus LCG noise, and a full-scale
 * square wave at the end to drive the quantizers and predictors into their limits.
 */
function testSignal(length = 16000): Int16Array {
  const out = new Int16Array(length);
  let seed = 12345;
  for (let i = 0; i < length; i++) {
    seed = ((Math.imul(seed, 1103515245) + 12345) >>> 0) & 0x7fffffff;
    const noise = ((seed >> 16) % 2001) - 1000;
    const t1 = i % 37;
    const t2 = i % 211;
    let value = (t1 < 19 ? t1 : 37 - t1) * 1300 - 12000 + (t2 < 106 ? t2 : 211 - t2) * 110 - 6000 + noise;
    if (i >= length - 2000) value = Math.floor(i / 40) % 2 ? 30000 : -30000;
    if (i < 800) value = 0;
    out[i] = Math.max(-32768, Math.min(32767, value));
  }
  return out;
}

describe('G.722 encoder', () => {
  it('is bit-exact with the spandsp G.722 encoder (64 kbit/s) on the test signal', () => {
    // Reference: g722_encode_init(NULL, 64000, 0) + g722_encode() from libspandsp 0.0.6 on the same signal.
    const encoded = G722.encode(testSignal());
    expect(encoded).toHaveLength(8000);
    expect(encoded.subarray(400, 420).toString('hex')).toBe('982084208520ba04b6bebc1eb96a0fbab83a19bb');
    expect(createHash('sha256').update(encoded).digest('hex')).toBe('2c4cf6a20036bf563298fc4d0b7345e7c70f5e5aef166b1f8de137c26a0cb2d2');
  });

  it('carries its state across calls', () => {
    const signal = testSignal();
    const encoder = new G722Encoder();
    const inTwo = Buffer.concat([encoder.encode(signal.subarray(0, 5000)), encoder.encode(signal.subarray(5000))]);
    expect(inTwo.equals(G722.encode(signal))).toBe(true);
  });

  it('frames 20 ms of 16 kHz audio into 160-byte payloads, a loop from a second pass', () => {
    const signal = testSignal(3200);
    const frames = encodeFrames(G722, signal, { loop: true });
    expect(frames).toHaveLength(10);
    expect(frames.every((f) => f.length === 160)).toBe(true);
    const twice = new Int16Array(6400);
    twice.set(signal);
    twice.set(signal, 3200);
    expect(Buffer.concat(frames).equals(G722.encode(twice).subarray(1600))).toBe(true);
  });
});
