/** Deterministic mutation of SIP messages for the engine fuzz test (every failure reproduces from its seed). */

/** mulberry32. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = ['\r', '\n', '\r\n', '\r\n\r\n', '\0', ':', '<', '>', '"', ';', ',', ' ', '\t', '%', '@', '\r\n ', '\xff', 'é', 'Content-Length: 99999\r\n', 'Via: \r\n', ';tag=', 'SIP/2.0'];

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

/** One to four edits: bit flips, truncation, inserted fragments, duplicated or dropped lines, swapped bytes. */
export function mutate(input: Buffer, random: () => number): Buffer {
  let data = Buffer.from(input);
  const steps = 1 + Math.floor(random() * 4);
  for (let step = 0; step < steps; step++) {
    const at = Math.floor(random() * (data.length + 1));
    const lines = (): string[] => data.toString('latin1').split('\r\n');
    switch (Math.floor(random() * 6)) {
      case 0:
        if (data.length > 0) data[Math.min(at, data.length - 1)]! ^= 1 << Math.floor(random() * 8);
        break;
      case 1:
        data = data.subarray(0, at);
        break;
      case 2:
        data = Buffer.concat([data.subarray(0, at), Buffer.from(pick(FRAGMENTS, random), 'utf8'), data.subarray(at)]);
        break;
      case 3: {
        const all = lines();
        const index = Math.floor(random() * all.length);
        all.splice(index, 0, all[index]!);
        data = Buffer.from(all.join('\r\n'), 'latin1');
        break;
      }
      case 4: {
        const all = lines();
        all.splice(Math.floor(random() * all.length), 1);
        data = Buffer.from(all.join('\r\n'), 'latin1');
        break;
      }
      default:
        if (data.length > 1) {
          const other = Math.floor(random() * data.length);
          const i = Math.min(at, data.length - 1);
          const byte = data[i]!;
          data[i] = data[other]!;
          data[other] = byte;
        }
        break;
    }
  }
  return data;
}
