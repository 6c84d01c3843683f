import { parseMessage, serializeMessage, SipRequest, SipResponse } from '../../../src/engine/message';
import { BYE, invite, OK_RESPONSE } from './messages';

describe('serializeMessage', () => {
  it('writes start line, headers in order, Content-Length and body', () => {
    const request = new SipRequest('MESSAGE', 'sip:a@example.com');
    request.append('Via', 'SIP/2.0/UDP h;branch=z9hG4bK1');
    request.append('Call-ID', 'x');
    request.body = Buffer.from('héllo');
    expect(serializeMessage(request).toString()).toBe(
      'MESSAGE sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: x\r\nContent-Length: 6\r\n\r\nhéllo',
    );
  });

  it('replaces existing Content-Length headers (any spelling) with the real length, in place', () => {
    const response = new SipResponse(180, 'Ringing');
    response.append('l', '99');
    response.append('To', '<sip:a@b>');
    response.append('content-length', '1');
    expect(serializeMessage(response).toString()).toBe('SIP/2.0 180 Ringing\r\nContent-Length: 0\r\nTo: <sip:a@b>\r\n\r\n');
  });

  it('keeps header values on one line', () => {
    const response = new SipResponse(200, 'OK');
    response.append('Subject', 'a\r\nInjected: yes');
    expect(serializeMessage(response).toString()).toContain('Subject: a Injected: yes\r\n');
  });

  it.each([
    ['INVITE', invite()],
    ['200 OK', OK_RESPONSE],
    ['BYE', BYE],
  ])('round-trips %s byte for byte', (_label, text) => {
    const wire = Buffer.from(text);
    expect(serializeMessage(parseMessage(wire)).equals(wire)).toBe(true);
  });

  it('round-trips binary bodies', () => {
    const body = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x0d, 0x0a, 1]);
    const request = parseMessage(Buffer.from(invite('')));
    request.body = body;
    const again = parseMessage(serializeMessage(request));
    expect(again.body).toEqual(body);
    expect(again.get('content-length')).toBe(String(body.length));
  });
});
