import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  FramingError,
  parseMessage,
  serializeMessage,
  SipParseError,
  StreamFramer,
  type AnySipMessage,
} from '../../../src/engine/message';
import { BYE, invite, OK_RESPONSE } from './messages';
import { RFC4475_CASES, RFC4475_MESSAGES_DIR } from './rfc4475-cases';

/** mulberry32: a small deterministic PRNG, so every failure reproduces. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS: Buffer[] = [
  Buffer.from(invite()),
  Buffer.from(OK_RESPONSE),
  Buffer.from(BYE),
  ...RFC4475_CASES.filter((c) => c.expect === 'parse').map((c) => readFileSync(path.join(RFC4475_MESSAGES_DIR, c.file))),
];

const INSERTIONS = ['\r', '\n', '\r\n', '\0', ':', '<', '>', '"', ';', ',', ' ', '\t', '\\', '%', '@', '\r\n ', '\xff', '\u00e9'];

function mutate(input: Buffer, random: () => number): Buffer {
  let data = Buffer.from(input);
  const steps = 1 + Math.floor(random() * 4);
  for (let step = 0; step < steps; step++) {
    const at = Math.floor(random() * (data.length + 1));
    switch (Math.floor(random() * 8)) {
      case 0: {
        if (data.length === 0) break;
        const i = Math.min(at, data.length - 1);
        data[i] ^= 1 << Math.floor(random() * 8);
        break;
      }
      case 1:
        data = data.subarray(0, at);
        break;
      case 2: {
        const insert = Buffer.from(INSERTIONS[Math.floor(random() * INSERTIONS.length)], 'utf8');
        data = Buffer.concat([data.subarray(0, at), insert, data.subarray(at)]);
        break;
      }
      case 3: {
        // Duplicate one header line.
        const text = data.toString('latin1');
        const lines = text.split('\r\n');
        const headerCount = Math.max(1, lines.indexOf(''));
        const pick = 1 + Math.floor(random() * Math.max(1, headerCount - 1));
        lines.splice(pick, 0, lines[pick] ?? '');
        data = Buffer.from(lines.join('\r\n'), 'latin1');
        break;
      }
      case 4: {
        const huge = ['99999999999', '4294967296', '-1', '65537', '0', ' 1 2', '1e3'][Math.floor(random() * 7)];
        data = Buffer.from(data.toString('latin1').replace(/(Content-Length|\nl)\s*:\s*\d+/i, '$1: ' + huge), 'latin1');
        break;
      }
      case 5: {
        const end = Math.min(data.length, at + Math.floor(random() * 20));
        data = Buffer.concat([data.subarray(0, at), data.subarray(end)]);
        break;
      }
      case 6: {
        const i = Math.min(at, Math.max(0, data.length - 1));
        data = Buffer.concat([data.subarray(0, i), Buffer.from([Math.floor(random() * 256)]), data.subarray(i + 1)]);
        break;
      }
      default: {
        // Repeat a slice: long lines, repeated separators.
        const end = Math.min(data.length, at + 1 + Math.floor(random() * 8));
        const slice = data.subarray(at, end);
        data = Buffer.concat([data.subarray(0, end), ...Array<Buffer>(1 + Math.floor(random() * 50)).fill(slice), data.subarray(end)]);
      }
    }
  }
  return data;
}

/** Parse; a returned message must also survive serialize → parse. Anything but SipParseError fails. */
function parseSafely(data: Buffer): AnySipMessage | SipParseError {
  try {
    const message = parseMessage(data);
    parseMessage(serializeMessage(message));
    return message;
  } catch (error) {
    if (error instanceof SipParseError) return error;
    throw new Error(`unexpected ${String(error)} for input ${JSON.stringify(data.toString('latin1'))}`);
  }
}

describe('fuzz: parseMessage', () => {
  it('returns or throws SipParseError for 20 000 mutated messages', () => {
    const random = prng(4475);
    let parsed = 0;
    for (let i = 0; i < 20000; i++) {
      const result = parseSafely(mutate(SEEDS[i % SEEDS.length], random));
      if (!(result instanceof SipParseError)) parsed++;
    }
    // Both outcomes occur: the mutations are neither all fatal nor all harmless.
    expect(parsed).toBeGreaterThan(1000);
    expect(parsed).toBeLessThan(19000);
  });

  it('survives random byte strings', () => {
    const random = prng(7);
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.alloc(Math.floor(random() * 300));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
      parseSafely(bytes);
      parseSafely(Buffer.concat([Buffer.from('INVITE sip:a@b SIP/2.0\r\n'), bytes]));
    }
  });
});

describe('fuzz: StreamFramer', () => {
  function feed(wire: Buffer, random: () => number, maxMessageBytes?: number): number {
    const framer = new StreamFramer({ maxMessageBytes });
    let messages = 0;
    let offset = 0;
    while (offset < wire.length) {
      const size = 1 + Math.floor(random() * 300);
      let items;
      try {
        items = framer.push(wire.subarray(offset, offset + size));
      } catch (error) {
        if (error instanceof FramingError) return messages;
        throw error;
      }
      for (const item of items) {
        if ('error' in item) expect(item.error).toBeInstanceOf(SipParseError);
        else messages++;
        expect(item.bytes).toBeGreaterThan(0);
      }
      offset += size;
    }
    return messages;
  }

  it('frames intact streams identically whatever the chunk sizes', () => {
    const random = prng(5626);
    const framedSeeds = SEEDS.filter((seed) => /\r\n(content-length|l)\s*:/i.test(seed.toString('latin1')));
    for (let i = 0; i < 300; i++) {
      const picks = Array.from({ length: 1 + Math.floor(random() * 5) }, () => framedSeeds[Math.floor(random() * framedSeeds.length)]);
      const wire = Buffer.concat(picks.flatMap((seed) => [seed, Buffer.from(random() < 0.3 ? '\r\n\r\n' : '')]));
      const oneChunk = new StreamFramer().push(wire).filter((item) => 'message' in item).length;
      expect(feed(wire, random)).toBe(oneChunk);
    }
  });

  it('returns items or throws FramingError for 5 000 mutated streams', () => {
    const random = prng(3261);
    for (let i = 0; i < 5000; i++) {
      const wire = Buffer.concat([
        mutate(SEEDS[i % SEEDS.length], random),
        mutate(SEEDS[(i * 7) % SEEDS.length], random),
      ]);
      feed(wire, random, random() < 0.2 ? 512 : undefined);
    }
  });
});
