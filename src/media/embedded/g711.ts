/**
 * ITU-T G.711 encoders (µ-law and A-law) as 64 Ki-entry lookup tables indexed by the 16-bit
 * sample's bit pattern, so encoding a buffer is one table read per sample.
 */

// µ-law works on 14-bit magnitudes: bias 33, clip 8159 (G.711 table 2a).
const MULAW_BIAS = 33;
const MULAW_CLIP = 8159;

function mulawFromLinear(sample: number): number {
  let value = sample >> 2;
  let toggle = 0xff;
  if (value < 0) {
    toggle = 0x7f;
    value = -value;
  }
  value = Math.min(value, MULAW_CLIP) + MULAW_BIAS;
  let segment = 0;
  while (segment < 8 && value > (0x40 << segment) - 1) segment++;
  if (segment >= 8) return 0x7f ^ toggle;
  const mantissa = (value >> (segment + 1)) & 0x0f;
  return ((segment << 4) | mantissa) ^ toggle;
}

function alawFromLinear(sample: number): number {
  // A-law works on 13-bit magnitudes; negative values use one's complement so that -1 and 0
  // land in the two smallest codes.
  let value = sample >> 3;
  let toggle = 0xd5;
  if (value < 0) {
    toggle = 0x55;
    value = -value - 1;
  }
  let segment = 0;
  while (segment < 8 && value > (0x20 << segment) - 1) segment++;
  if (segment >= 8) return 0x7f ^ toggle;
  const mantissa = segment < 2 ? (value >> 1) & 0x0f : (value >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ toggle;
}

function buildTable(encode: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let sample = -32768; sample <= 32767; sample++) table[sample & 0xffff] = encode(sample);
  return table;
}

const MULAW_TABLE = buildTable(mulawFromLinear);
const ALAW_TABLE = buildTable(alawFromLinear);

function encodeWith(table: Uint8Array, pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = table[pcm[i] & 0xffff];
  return out;
}

export function encodeMulaw(pcm: Int16Array): Buffer {
  return encodeWith(MULAW_TABLE, pcm);
}

export function encodeAlaw(pcm: Int16Array): Buffer {
  return encodeWith(ALAW_TABLE, pcm);
}
