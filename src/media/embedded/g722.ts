/**
 * ITU-T G.722 encoder, 64 kbit/s mode (sub-band ADPCM): a 24-tap QMF splits 16 kHz audio into
 * two 8 kHz bands, coded with 6 bits (low band) and 2 bits (high band) per sample pair.
 * Block and table names follow the Recommendation (§3 and §6 — QUANTL, INVQAL, LOGSCL, SCALEL,
 * RECONS, PARREC, UPPOL1/2, UPZERO, DELAYA, FILTEP, FILTEZ, PREDIC).
 */
import type { Codec } from './codecs';

// Transmit QMF coefficients (Table 11), folded: the filter is symmetric.
const QMF = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11];

// Low band: quantizer decision levels (Table 6), output codes for negative/positive errors.
const Q6 = [0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919];
const ILN = [0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4];
const ILP = [0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32];
// 4-bit inverse quantizer used for adaptation, and the log scale factor multipliers.
const QM4 = [0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0];
const RL42 = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
const WL = [-60, -30, 58, 172, 334, 538, 1198, 3042];
// High band: 2-bit quantizer.
const IHN = [0, 1, 0];
const IHP = [0, 3, 2];
const QM2 = [-7408, -1616, 7408, 1616];
const RH2 = [2, 1, 2, 1];
const WH = [0, -214, 798];
// Inverse log base 2 (Table 15), shared by both bands' scale factors.
const ILB = [
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834, 2896, 2960, 3025, 3091,
  3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];

function clamp16(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}

/** Adaptive predictor and scale factor of one sub-band. */
class Band {
  /** Predicted signal (PREDIC) and its pole and zero parts. */
  s = 0;
  sp = 0;
  sz = 0;
  /** Quantizer scale factor and its logarithm. */
  det: number;
  nb = 0;
  /** Index 0 is the current sample; 1.. are the delay line. */
  readonly r = [0, 0, 0];
  readonly p = [0, 0, 0];
  readonly a = [0, 0, 0];
  readonly d = [0, 0, 0, 0, 0, 0, 0];
  readonly b = [0, 0, 0, 0, 0, 0, 0];
  private readonly bNext = [0, 0, 0, 0, 0, 0, 0];

  constructor(initialDet: number) {
    this.det = initialDet;
  }

  /** LOGSCL + SCALEL: update the scale factor from the quantized code's weight. */
  adaptScale(weight: number, maxNb: number, shiftBase: number): void {
    this.nb = Math.min(maxNb, Math.max(0, ((this.nb * 127) >> 7) + weight));
    const index = (this.nb >> 6) & 31;
    const shift = shiftBase - (this.nb >> 11);
    const scaled = shift < 0 ? ILB[index]! << -shift : ILB[index]! >> shift;
    this.det = scaled << 2;
  }

  /** Block 4: reconstruct, adapt the pole and zero predictors, predict the next sample. */
  update(dq: number): void {
    const { r, p, a, d, b } = this;
    d[0] = dq;
    r[0] = clamp16(this.s + dq);
    p[0] = clamp16(this.sz + dq);

    // UPPOL2
    const sg0 = p[0] >> 15;
    const sg1 = p[1]! >> 15;
    const sg2 = p[2]! >> 15;
    const a1x4 = clamp16(a[1]! << 2);
    const term = Math.min(32767, sg0 === sg1 ? -a1x4 : a1x4);
    let a2 = (term >> 7) + (sg0 === sg2 ? 128 : -128) + ((a[2]! * 32512) >> 15);
    a2 = Math.min(12288, Math.max(-12288, a2));

    // UPPOL1
    let a1 = clamp16((sg0 === sg1 ? 192 : -192) + ((a[1]! * 32640) >> 15));
    const limit = clamp16(15360 - a2);
    a1 = Math.min(limit, Math.max(-limit, a1));

    // UPZERO
    const step = dq === 0 ? 0 : 128;
    const sgd = dq >> 15;
    const bNext = this.bNext;
    for (let i = 1; i < 7; i++) {
      const sign = d[i]! >> 15 === sgd ? step : -step;
      bNext[i] = clamp16(sign + ((b[i]! * 32640) >> 15));
    }

    // DELAYA
    for (let i = 6; i > 0; i--) {
      d[i] = d[i - 1]!;
      b[i] = bNext[i]!;
    }
    r[2] = r[1]!;
    r[1] = r[0];
    p[2] = p[1]!;
    p[1] = p[0];
    a[1] = a1;
    a[2] = a2;

    // FILTEP
    const pole1 = (a[1] * clamp16(r[1] + r[1])) >> 15;
    const pole2 = (a[2] * clamp16(r[2] + r[2])) >> 15;
    this.sp = clamp16(pole1 + pole2);

    // FILTEZ
    let zeros = 0;
    for (let i = 6; i > 0; i--) zeros += (b[i]! * clamp16(d[i]! + d[i]!)) >> 15;
    this.sz = clamp16(zeros);

    // PREDIC
    this.s = clamp16(this.sp + this.sz);
  }
}

/** Stateful G.722 encoder; feed it consecutive chunks of one stream. */
export class G722Encoder {
  private readonly qmf = new Int32Array(24);
  private readonly low = new Band(32);
  private readonly high = new Band(8);
  private xlow = 0;
  private xhigh = 0;

  /** Encodes 16 kHz PCM (an even number of samples) into one byte per sample pair. */
  encode(pcm: Int16Array): Buffer {
    const out = Buffer.allocUnsafe(pcm.length >> 1);
    for (let n = 0; n < out.length; n++) {
      this.split(pcm[2 * n]!, pcm[2 * n + 1]!);
      out[n] = (this.encodeHigh(this.xhigh) << 6) | this.encodeLow(this.xlow);
    }
    return out;
  }

  /** Transmit QMF: two input samples in, one low-band and one high-band sample out. */
  private split(first: number, second: number): void {
    const x = this.qmf;
    x.copyWithin(0, 2);
    x[22] = first;
    x[23] = second;
    let odd = 0;
    let even = 0;
    for (let i = 0; i < 12; i++) {
      odd += x[2 * i]! * QMF[i]!;
      even += x[2 * i + 1]! * QMF[11 - i]!;
    }
    this.xlow = (even + odd) >> 14;
    this.xhigh = (even - odd) >> 14;
  }

  private encodeLow(xlow: number): number {
    const band = this.low;
    // QUANTL
    const el = clamp16(xlow - band.s);
    const magnitude = el >= 0 ? el : -(el + 1);
    let i = 1;
    while (i < 30 && magnitude >= (Q6[i]! * band.det) >> 12) i++;
    const code = el < 0 ? ILN[i]! : ILP[i]!;
    // INVQAL
    const ril = code >> 2;
    const dq = (band.det * QM4[ril]!) >> 15;
    band.adaptScale(WL[RL42[ril]!]!, 18432, 8);
    band.update(dq);
    return code;
  }

  private encodeHigh(xhigh: number): number {
    const band = this.high;
    // QUANTH
    const eh = clamp16(xhigh - band.s);
    const magnitude = eh >= 0 ? eh : -(eh + 1);
    const level = magnitude >= (564 * band.det) >> 12 ? 2 : 1;
    const code = eh < 0 ? IHN[level]! : IHP[level]!;
    // INVQAH
    const dq = (band.det * QM2[code]!) >> 15;
    band.adaptScale(WH[RH2[code]!]!, 22528, 10);
    band.update(dq);
    return code;
  }
}

export const G722: Codec = {
  name: 'G722',
  payloadType: 9,
  sampleRate: 16000,
  encode: (pcm) => new G722Encoder().encode(pcm),
};
