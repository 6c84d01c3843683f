import { parseMessage, SipParseError, SipRequest, SipResponse, type AnySipMessage } from '../../../src/engine/message';
import { BYE, invite, INVITE_SDP, OK_RESPONSE } from './messages';

function parse(text: string | Buffer): AnySipMessage {
  return parseMessage(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
}

function parseError(text: string | Buffer): SipParseError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof SipParseError) return error;
    throw error;
  }
  throw new Error('expected a SipParseError');
}

describe('parseMessage', () => {
  it('parses a request with its body', () => {
    const message = parse(invite());
    expect(message).toBeInstanceOf(SipRequest);
    const request = message as SipRequest;
    expect(request.method).toBe('INVITE');
    expect(request.uri).toBe('sip:704@park.example.com');
    expect(request.version).toBe('SIP/2.0');
    expect(request.get('from')).toBe('"Alice Ä" <sip:alice@example.com>;tag=1928301774');
    expect(request.callId).toBe('a84b4c76e66710@pc33.example.com');
    expect(request.headers.map((h) => h.name)).toEqual([
      'Via', 'Max-Forwards', 'To', 'From', 'Call-ID', 'CSeq', 'Contact', 'Content-Type', 'Content-Length',
    ]);
    expect(request.body.toString()).toBe(INVITE_SDP);
  });

  it('parses a response', () => {
    const response = parse(OK_RESPONSE) as SipResponse;
    expect(response).toBeInstanceOf(SipResponse);
    expect(response.status).toBe(200);
    expect(response.reason).toBe('OK');
    expect(response.body.length).toBe(0);
  });

  it('accepts reason phrases with spaces, UTF-8 or nothing', () => {
    expect((parse(OK_RESPONSE.replace('200 OK', '486 Busy Here')) as SipResponse).reason).toBe('Busy Here');
    expect((parse(OK_RESPONSE.replace('200 OK', '200 Très bien')) as SipResponse).reason).toBe('Très bien');
    expect((parse(OK_RESPONSE.replace('200 OK', '100 ')) as SipResponse).reason).toBe('');
  });

  it('unfolds continuation lines and trims values', () => {
    const text = BYE.replace('Max-Forwards: 70\r\n', 'Subject:   first part \r\n\t second part\r\n  third\r\nMax-Forwards:\r\n 70\r\n');
    const message = parse(text);
    expect(message.get('subject')).toBe('first part second part third');
    expect(message.get('max-forwards')).toBe('70');
  });

  it('finds headers case-insensitively and by compact form', () => {
    const text = BYE.replace('Call-ID:', 'i:').replace('From:', 'fROM :').replace('Via:', 'v:');
    const message = parse(text);
    expect(message.get('Call-ID')).toBe('a84b4c76e66710@pc33.example.com');
    expect(message.get('from')).toContain('tag=a6c85cf');
    expect(message.get('VIA')).toContain('z9hG4bKnashds7');
    expect(message.headers[0].name).toBe('v');
  });

  it('skips leading CRLFs', () => {
    expect((parse('\r\n\r\n\r\n' + BYE) as SipRequest).method).toBe('BYE');
  });

  it('truncates a datagram body longer than Content-Length', () => {
    const message = parse(invite().replace(/Content-Length: \d+/, 'Content-Length: 4'));
    expect(message.body.toString()).toBe('v=0\r');
  });

  it('takes the rest of the datagram as body without Content-Length', () => {
    const message = parse(invite().replace(/Content-Length: \d+\r\n/, ''));
    expect(message.body.toString()).toBe(INVITE_SDP);
  });

  it('keeps non-UTF-8 body octets unchanged', () => {
    const body = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x0d, 0x0a]);
    const head = Buffer.from(invite('').replace('Content-Length: 0', 'Content-Length: ' + body.length));
    expect(parse(Buffer.concat([head, body])).body).toEqual(body);
  });

  it('survives non-UTF-8 octets in header values', () => {
    const text = Buffer.concat([Buffer.from(BYE.slice(0, -2)), Buffer.from('X-Junk: \xff\xfe\xc3(\r\n\r\n', 'latin1')]);
    expect(parse(text).get('x-junk')).toBe('\ufffd\ufffd\ufffd(');
  });

  it('accepts bare LF line ends', () => {
    expect((parse(BYE.replace(/\r\n/g, '\n')) as SipRequest).method).toBe('BYE');
  });

  describe('errors', () => {
    it('rejects a body shorter than Content-Length, with a partial request', () => {
      const error = parseError(invite().replace(/Content-Length: \d+/, 'Content-Length: 9999'));
      expect(error.message).toBe('Content-Length larger than message');
      expect(error.statusCode).toBe(400);
      expect(error.partial?.method).toBe('INVITE');
      expect(error.partial?.get('cseq')).toBe('314159 INVITE');
    });

    it.each([
      ['Via', 'Missing Via header field'],
      ['From', 'Missing From header field'],
      ['To', 'Missing To header field'],
      ['Call-ID', 'Missing Call-ID header field'],
      ['CSeq', 'Missing CSeq header field'],
    ])('requires %s', (name, reason) => {
      const text = BYE.replace(new RegExp('^' + name + ':.*\\r\\n', 'm'), '');
      expect(parseError(text).message).toBe(reason);
    });

    it('tolerates a missing Max-Forwards', () => {
      expect(parse(BYE.replace('Max-Forwards: 70\r\n', ''))).toBeInstanceOf(SipRequest);
    });

    it('rejects a CSeq method that differs from the request method', () => {
      expect(parseError(BYE.replace('1 BYE', '1 INVITE')).message).toBe('CSeq method does not match request method');
    });

    it('answers an unknown SIP version with 505', () => {
      const error = parseError(BYE.replace('SIP/2.0\r\n', 'SIP/3.0\r\n'));
      expect(error.statusCode).toBe(505);
      expect(error.partial).toBeInstanceOf(SipRequest);
    });

    it.each([
      ['SIP/2.0 99 Too small'],
      ['SIP/2.0 700 Too big'],
      ['SIP/2.0 2000 Long'],
      ['SIP/2.0 abc Letters'],
      ['SIP/2.0'],
    ])('drops status line %p (no partial)', (line) => {
      const error = parseError(OK_RESPONSE.replace('SIP/2.0 200 OK', line));
      expect(error.partial).toBeUndefined();
    });

    it.each([
      ['INVITE <sip:704@park.example.com> SIP/2.0', 'Malformed Request-URI'],
      ['INVITE sip:704@park.example.com; lr SIP/2.0', 'Malformed Request-URI'],
      ['INVITE sip:704@park.example.com?Route=x SIP/2.0', 'Headers not allowed in Request-URI'],
      ['INV(TE sip:704@park.example.com SIP/2.0', 'Malformed method'],
    ])('rejects request line %p with a partial', (line, reason) => {
      const text = invite().replace('INVITE sip:704@park.example.com SIP/2.0', line);
      const error = parseError(text);
      expect(error.message).toBe(reason);
      expect(error.partial?.get('call-id')).toBe('a84b4c76e66710@pc33.example.com');
    });

    it.each([
      'garbage',
      'INVITE sip:a@b',
      '',
      '\r\n\r\n',
    ])('rejects unreadable start %p without partial', (text) => {
      expect(parseError(text + '\r\nVia: SIP/2.0/UDP h\r\n\r\n').partial).toBeUndefined();
    });

    it.each([
      ['Content-Length: -1', 'Malformed Content-Length'],
      ['Content-Length: abc', 'Malformed Content-Length'],
      ['Content-Length: 99999999999', 'Malformed Content-Length'],
      ['Max-Forwards: many', 'Malformed Max-Forwards'],
      ['CSeq: 1 BYE\r\nCSeq: 2 BYE', 'Multiple CSeq header fields'],
      ['Call-ID: other', 'Multiple Call-ID header fields'],
      ['Via: SIP/2.0/UDP', 'Malformed Via header field'],
      ['Contact: <sip:a@b', 'Malformed Contact header field'],
      ['Bad Header: x', 'Malformed header line'],
      ['NoColon', 'Malformed header line'],
    ])('rejects header %p', (line, reason) => {
      const text = BYE.replace('Max-Forwards: 70\r\n', '').replace('Content-Length: 0\r\n', line + '\r\n' + (line.startsWith('Content-Length') ? '' : 'Content-Length: 0\r\n'));
      expect(parseError(text).message).toBe(reason);
    });

    it('accepts Contact: *', () => {
      expect(parse(BYE.replace('CSeq', 'Contact: *\r\nCSeq')).get('contact')).toBe('*');
    });

    it('rejects a message without an empty line after the headers', () => {
      expect(parseError(BYE.slice(0, -2)).message).toBe('Missing empty line after header fields');
    });

    it('rejects an empty datagram', () => {
      expect(parseError('').message).toBe('Empty message');
    });
  });
});
