import { createHash } from 'node:crypto';
import { encodeAlaw, encodeMulaw } from '../../src/media/embedded/g711';

// Reference values from Python's audioop (lin2ulaw / lin2alaw), an independent G.711 implementation.
const inputs = [-32768, -32124, -8000, -1000, -33, -1, 0, 1, 2, 100, 1000, 8000, 32124, 32767];
const mulaw = [0x00, 0x00, 0x20, 0x4e, 0x7a, 0x7e, 0xff, 0xff, 0xff, 0xf2, 0xce, 0xa0, 0x80, 0x80];
const alaw = [0x2a, 0x2a, 0x0a, 0x7a, 0x57, 0x55, 0xd5, 0xd5, 0xd5, 0xd3, 0xfa, 0x8a, 0xaa, 0xaa];

function everySample(): Int16Array {
  const pcm = new Int16Array(65536);
  for (let i = 0; i < pcm.length; i++) pcm[i] = i - 32768;
  return pcm;
}

describe('G.711', () => {
  it('encodes µ-law known values', () => {
    expect([...encodeMulaw(Int16Array.from(inputs))]).toEqual(mulaw);
  });

  it('encodes A-law known values', () => {
    expect([...encodeAlaw(Int16Array.from(inputs))]).toEqual(alaw);
  });

  it('matches the reference µ-law encoding of every 16-bit sample', () => {
    const digest = createHash('sha256').update(encodeMulaw(everySample())).digest('hex');
    expect(digest).toBe('81d633c9e6972a18c74a58720b96cb8ca0bdd096d4060b646dd708c3b846019a');
  });

  it('matches the reference A-law encoding of every 16-bit sample', () => {
    const digest = createHash('sha256').update(encodeAlaw(everySample())).digest('hex');
    expect(digest).toBe('38488f6fd710f4686360edc4d38639f96c491595ef93f8eb8d62d5e07ca6ce7b');
  });

  it('is monotonic in the code order over positive samples', () => {
    // µ-law codes fall as the level rises (0xff at zero, 0x80 at full scale).
    const codes = encodeMulaw(Int16Array.from([0, 500, 5000, 20000, 32000]));
    for (let i = 1; i < codes.length; i++) expect(codes[i]).toBeLessThan(codes[i - 1]!);
  });
});
