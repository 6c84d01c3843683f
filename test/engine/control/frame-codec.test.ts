import { encodeFrame, FrameDecoder, FrameError, FrameTooLargeError } from '../../../src/engine/control/frame-codec';

const INVITE_WITH_EMOJI = [
  'abc|sip|network|300|udp|192.0.2.10|5060|15:40:36.232000|txn||127.0.0.1|5060|',
  'INVITE sip:1000@127.0.0.1 SIP/2.0',
  'From: "Zoë 😀 José" <sip:alice@192.0.2.10>;tag=a',
  'Content-Length: 12',
  '',
  'v=0 ✓ 𝄞 ok',
].join('\r\n');

function decodeAll(decoder: FrameDecoder, chunks: Buffer[]): string[] {
  return chunks.flatMap((chunk) => decoder.push(chunk));
}

describe('encodeFrame', () => {
  it('prefixes the UTF-8 byte length, not the character count', () => {
    const frame = encodeFrame('id|ping 😀');
    expect(frame.toString('utf8')).toBe(`${Buffer.byteLength('id|ping 😀')}#id|ping 😀`);
    expect(frame.toString('utf8').startsWith('12#')).toBe(true);
  });

  it('matches what drachtio-srf writes for an ASCII frame', () => {
    const payload = 'aace9823-75ab-4720-b7d1-33796bb12146|ping';
    expect(encodeFrame(payload).toString()).toBe(`41#${payload}`);
  });
});

describe('FrameDecoder', () => {
  const payloads = ['a|ping', INVITE_WITH_EMOJI, 'b|route|invite', '日本語|sip||\r\nBYE x SIP/2.0\r\n\r\n'];
  const stream = Buffer.concat(payloads.map(encodeFrame));

  it('decodes merged frames from one chunk', () => {
    expect(new FrameDecoder().push(stream)).toEqual(payloads);
  });

  it('decodes the stream split into two chunks at every byte position', () => {
    for (let cut = 0; cut <= stream.length; cut += 1) {
      const decoder = new FrameDecoder();
      const frames = decodeAll(decoder, [stream.subarray(0, cut), stream.subarray(cut)]);
      expect(frames).toEqual(payloads);
      expect(decoder.bufferedBytes).toBe(0);
    }
  });

  it('decodes the stream delivered one byte at a time', () => {
    const decoder = new FrameDecoder();
    const chunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    expect(decodeAll(decoder, chunks)).toEqual(payloads);
  });

  it('decodes pseudo-random chunkings (deterministic seed)', () => {
    let seed = 7;
    const nextRandom = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let round = 0; round < 200; round += 1) {
      const chunks: Buffer[] = [];
      let offset = 0;
      while (offset < stream.length) {
        const size = 1 + Math.floor(nextRandom() * 40);
        chunks.push(stream.subarray(offset, offset + size));
        offset += size;
      }
      expect(decodeAll(new FrameDecoder(), chunks)).toEqual(payloads);
    }
  });

  it('does not keep a reference to a chunk buffer the caller reuses', () => {
    const frame = encodeFrame('x|route|invite');
    const reused = Buffer.alloc(frame.length);
    frame.copy(reused);
    const decoder = new FrameDecoder();
    expect(decoder.push(reused.subarray(0, 8))).toEqual([]);
    reused.fill(0x41, 0, 8);
    frame.copy(reused, 8, 8);
    expect(decoder.push(reused.subarray(8))).toEqual(['x|route|invite']);
  });

  it('returns nothing while a frame is incomplete', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(Buffer.from('10#12345'))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(5);
    expect(decoder.push(Buffer.from('67890'))).toEqual(['1234567890']);
  });

  it.each([
    ['a non-digit prefix', 'GET / HTTP/1.1\r\n'],
    ['an empty prefix', '#abc'],
    ['a zero length', '0#'],
    ['whitespace in the prefix', ' 3#abc'],
    ['a negative length', '-3#abc'],
  ])('throws FrameError on %s', (_label, input) => {
    expect(() => new FrameDecoder().push(Buffer.from(input))).toThrow(FrameError);
  });

  it('throws FrameError on a prefix with more digits than the limit allows, before the #', () => {
    const decoder = new FrameDecoder(1000);
    expect(() => decoder.push(Buffer.from('00001'))).toThrow(FrameError);
  });

  it('throws FrameTooLargeError when the announced length exceeds maxFrameBytes', () => {
    const decoder = new FrameDecoder(100);
    expect(decoder.push(Buffer.from('100#'))).toEqual([]);
    decoder.push(Buffer.alloc(100, 0x61));
    let caught: unknown;
    try {
      decoder.push(Buffer.from('101#'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FrameTooLargeError);
    expect(caught).toBeInstanceOf(FrameError);
    expect((caught as FrameTooLargeError).announcedBytes).toBe(101);
  });

  it('rejects a frame above the default 1 MiB limit and accepts one at it', () => {
    const limit = 1024 * 1024;
    expect(() => new FrameDecoder().push(Buffer.from(`${limit + 1}#`))).toThrow(FrameTooLargeError);
    const big = 'x'.repeat(limit);
    expect(new FrameDecoder().push(encodeFrame(big))).toEqual([big]);
  });

  it('stays failed after an error', () => {
    const decoder = new FrameDecoder();
    expect(() => decoder.push(Buffer.from('x#'))).toThrow(FrameError);
    expect(() => decoder.push(encodeFrame('a|ping'))).toThrow(FrameError);
  });

  it('rejects a nonsensical maxFrameBytes', () => {
    expect(() => new FrameDecoder(0)).toThrow(RangeError);
  });
});
