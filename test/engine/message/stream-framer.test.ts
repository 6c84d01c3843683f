import {
  FramingError,
  SipParseError,
  SipRequest,
  SipResponse,
  StreamFramer,
  type FramedItem,
} from '../../../src/engine/message';
import { BYE, invite, OK_RESPONSE } from './messages';

const INVITE = invite();
const THREE = INVITE + OK_RESPONSE + BYE;

function pushAll(framer: StreamFramer, chunks: Buffer[]): FramedItem[] {
  return chunks.flatMap((chunk) => framer.push(chunk));
}

function describeItems(items: FramedItem[]): string[] {
  return items.map((item) => {
    if ('error' in item) return 'error:' + item.error.message;
    const message = item.message;
    return message instanceof SipRequest ? message.method : String((message as SipResponse).status);
  });
}

describe('StreamFramer', () => {
  it('frames several messages in one chunk, with byte counts', () => {
    const items = new StreamFramer().push(Buffer.from(THREE));
    expect(describeItems(items)).toEqual(['INVITE', '200', 'BYE']);
    expect(items.map((item) => item.bytes)).toEqual([INVITE, OK_RESPONSE, BYE].map((m) => Buffer.byteLength(m)));
  });

  it('frames the same messages when the stream is split at any byte offset', () => {
    const wire = Buffer.from(THREE);
    for (let split = 1; split < wire.length; split++) {
      const items = pushAll(new StreamFramer(), [wire.subarray(0, split), wire.subarray(split)]);
      expect(describeItems(items)).toEqual(['INVITE', '200', 'BYE']);
    }
  });

  it('frames byte by byte', () => {
    const wire = Buffer.from(THREE);
    const framer = new StreamFramer();
    const items: FramedItem[] = [];
    for (let i = 0; i < wire.length; i++) items.push(...framer.push(wire.subarray(i, i + 1)));
    expect(describeItems(items)).toEqual(['INVITE', '200', 'BYE']);
    const first = items[0];
    expect('message' in first && first.message.body.toString()).toBe(INVITE.slice(INVITE.indexOf('\r\n\r\n') + 4));
  });

  it('skips CRLF keep-alives and reports pings, even split across chunks', () => {
    let pings = 0;
    const framer = new StreamFramer({ onKeepAlive: () => pings++ });
    const items = pushAll(framer, [
      Buffer.from('\r\n\r\n'),
      Buffer.from('\r\n'),
      Buffer.from('\r\n' + BYE + '\r\n'),
      Buffer.from('\r\n\r\n'),
      Buffer.from(BYE),
    ]);
    expect(describeItems(items)).toEqual(['BYE', 'BYE']);
    expect(pings).toBe(3);
  });

  it('reports a message without Content-Length as an error and goes on', () => {
    const withoutLength = BYE.replace('Content-Length: 0\r\n', '');
    const items = new StreamFramer().push(Buffer.from(withoutLength + BYE));
    expect(describeItems(items)).toEqual(['error:Missing Content-Length', 'BYE']);
    const first = items[0];
    expect('error' in first && first.error.partial?.method).toBe('BYE');
  });

  it('reports an unparseable message as an error item and goes on', () => {
    const items = new StreamFramer().push(Buffer.from(BYE.replace('1 BYE', '1 INVITE') + BYE));
    expect(describeItems(items)).toEqual(['error:CSeq method does not match request method', 'BYE']);
  });

  it('understands compact and folded Content-Length', () => {
    const body = 'hello';
    const text = BYE.replace('Content-Length: 0', 'l:\r\n ' + body.length) + body;
    const items = new StreamFramer().push(Buffer.from(text + BYE));
    expect(describeItems(items)).toEqual(['BYE', 'BYE']);
    const first = items[0];
    expect('message' in first && first.message.body.toString()).toBe(body);
  });

  it('waits for a body that has not arrived yet', () => {
    const framer = new StreamFramer();
    const wire = Buffer.from(INVITE);
    expect(framer.push(wire.subarray(0, wire.length - 1))).toEqual([]);
    expect(describeItems(framer.push(wire.subarray(wire.length - 1)))).toEqual(['INVITE']);
  });

  it('never overwrites the body of a message already returned', () => {
    const framer = new StreamFramer();
    const wire = Buffer.from(INVITE + INVITE.replace(/v=0/, 'v=9'));
    const split = Buffer.byteLength(INVITE) + 40;
    const [first] = framer.push(wire.subarray(0, split));
    const body = 'message' in first ? Buffer.from(first.message.body) : Buffer.alloc(0);
    for (let i = split; i < wire.length; i++) framer.push(wire.subarray(i, i + 1));
    expect('message' in first && first.message.body).toEqual(body);
    expect(body.toString().startsWith('v=0')).toBe(true);
  });

  it('accepts a large message trickled one byte at a time', () => {
    const body = 'x'.repeat(60000);
    const wire = Buffer.from(BYE.replace('Content-Length: 0', 'Content-Length: ' + body.length) + body);
    const framer = new StreamFramer();
    const items: FramedItem[] = [];
    for (let i = 0; i < wire.length; i++) items.push(...framer.push(wire.subarray(i, i + 1)));
    expect(items.length).toBe(1);
    expect(items[0].bytes).toBe(wire.length);
  });

  describe('framing errors', () => {
    it('throws FramingError on an over-size header block, then refuses more data', () => {
      const framer = new StreamFramer({ maxMessageBytes: 1024 });
      const huge = Buffer.from('INVITE sip:a@b SIP/2.0\r\nX-Filler: ' + 'a'.repeat(2000));
      expect(() => framer.push(huge)).toThrow(FramingError);
      expect(() => framer.push(Buffer.from(BYE))).toThrow(FramingError);
    });

    it('throws FramingError on a header block over the limit even when complete', () => {
      const framer = new StreamFramer({ maxMessageBytes: 200 });
      expect(() => framer.push(Buffer.from(INVITE))).toThrow(FramingError);
    });

    it('throws FramingError, with a partial request, on an over-size body', () => {
      const framer = new StreamFramer();
      const text = BYE.replace('Content-Length: 0', 'Content-Length: 70000');
      let caught: unknown;
      try {
        framer.push(Buffer.from(text));
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(FramingError);
      expect(caught).toBeInstanceOf(SipParseError);
      expect((caught as FramingError).partial?.method).toBe('BYE');
    });

    it.each(['Content-Length: -5', 'Content-Length: x', 'Content-Length: 1\r\nContent-Length: 2'])(
      'throws FramingError on %p',
      (line) => {
        expect(() => new StreamFramer().push(Buffer.from(BYE.replace('Content-Length: 0', line)))).toThrow(FramingError);
      },
    );
  });
});
