import { parseListenSpec, formatListenSpec, ListenSpecError } from '../../../src/engine';
import { parseSipUri, tagOf, uriOf, withTag, withoutTag } from '../../../src/engine/core/addressing';
import { applyContentTypeRule, copyAppHeaders, substituteLocalhost } from '../../../src/engine/core/app-headers';
import { isOwnListener } from '../../../src/engine/core/next-hop';
import { splitHeaderList } from '../../../src/engine/core/responses';
import { AppMessageError, formatSipText, parseAppSipText } from '../../../src/engine/core/sip-text';
import { SipRequest, SipResponse } from '../../../src/engine/message/sip-message';

describe('app SIP text', () => {
  test('the body is everything after the first blank line, whatever Content-Length says', () => {
    const message = parseAppSipText('SIP/2.0 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nv=0\r\nhé\r\n');
    expect(message).toBeInstanceOf(SipResponse);
    expect(message.body.toString()).toBe('v=0\r\nhé\r\n');
    expect(message.get('x-a')).toBe('b');
  });

  test('requests keep method and URI; folded headers are joined', () => {
    const message = parseAppSipText('BYE sip:placeholder SIP/2.0\r\nSubject: a\r\n b\r\n\r\n') as SipRequest;
    expect(message.method).toBe('BYE');
    expect(message.uri).toBe('sip:placeholder');
    expect(message.get('subject')).toBe('a b');
  });

  test('garbage is an AppMessageError', () => {
    expect(() => parseAppSipText('hello there\r\n\r\n')).toThrow(AppMessageError);
    expect(() => parseAppSipText('SIP/2.0 200 OK\r\nno colon here\r\n\r\n')).toThrow(AppMessageError);
  });

  test('formatted text carries a byte-accurate Content-Length', () => {
    const request = new SipRequest('MESSAGE', 'sip:a@b');
    request.append('Content-Length', '99');
    request.body = Buffer.from('hé');
    expect(formatSipText(request)).toBe('MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 3\r\n\r\nhé');
  });
});

describe('header rules', () => {
  test('copied names are canonicalised, X- names kept', () => {
    const app = parseAppSipText('SIP/2.0 200 OK\r\ncall-id: c\r\nuser-agent: u\r\nx-custom-thing: x\r\nm: <sip:a@b>\r\n\r\n');
    const target = new SipResponse(200, 'OK');
    copyAppHeaders(app, target);
    expect(target.headers.map((header) => header.name)).toEqual(['Call-ID', 'User-Agent', 'x-custom-thing', 'Contact']);
  });

  test('Via, Route, Record-Route, RSeq, Content-Length and session-timer headers are not copied', () => {
    const app = parseAppSipText(
      'SIP/2.0 200 OK\r\nVia: x\r\nRoute: <sip:r>\r\nrecord-route: <sip:rr>\r\nRSeq: 4\r\nSession-Expires: 90\r\nuser-agent: t\r\n\r\n',
    );
    const target = new SipResponse(200, 'OK');
    copyAppHeaders(app, target);
    expect(target.headers).toEqual([{ name: 'User-Agent', value: 't' }]);
  });

  test('v=0 bodies get application/sdp; other untyped bodies are refused on requests', () => {
    const sdp = new SipRequest('INVITE', 'sip:a@b');
    sdp.body = Buffer.from('v=0\r\n');
    applyContentTypeRule(sdp, true);
    expect(sdp.get('content-type')).toBe('application/sdp');
    const text = new SipRequest('MESSAGE', 'sip:a@b');
    text.body = Buffer.from('hello');
    expect(() => applyContentTypeRule(text, true)).toThrow(AppMessageError);
  });

  test('@localhost becomes the transport host:port', () => {
    const request = new SipRequest('INVITE', 'sip:a@b');
    request.append('From', '<sip:1234@localhost>;tag=x');
    request.append('To', '<sip:bob@localhost.example>');
    substituteLocalhost(request, '127.0.0.1:5080');
    expect(request.get('from')).toBe('<sip:1234@127.0.0.1:5080>;tag=x');
    expect(request.get('to')).toBe('<sip:bob@localhost.example>');
  });
});

describe('addressing', () => {
  test('tags and URIs', () => {
    expect(tagOf('"A" <sip:a@b;transport=tcp>;tag=xyz')).toBe('xyz');
    expect(tagOf('<sip:a@b;tag=inside>')).toBeUndefined();
    expect(uriOf('"A" <sip:a@b>;tag=1')).toBe('sip:a@b');
    expect(withTag('sip:a@b', 't1')).toBe('<sip:a@b>;tag=t1');
    expect(withoutTag('<sip:a@b>;tag=t1;x=y')).toBe('<sip:a@b>;x=y');
  });

  test('SIP URIs with IPv6, ports and params', () => {
    expect(parseSipUri('sip:bob@[::1]:5070;transport=tcp')).toEqual({
      scheme: 'sip',
      user: 'bob',
      host: '::1',
      port: 5070,
      params: new Map([['transport', 'tcp']]),
    });
    expect(parseSipUri('tel:+123')).toBeUndefined();
  });

  test('Record-Route lists split outside <> only', () => {
    expect(splitHeaderList('<sip:a;lr>, <sip:b,c;lr>')).toEqual(['<sip:a;lr>', '<sip:b,c;lr>']);
  });

  test('own listeners are recognised', () => {
    const listeners = [{ protocol: 'udp' as const, host: '0.0.0.0', port: 5060 }];
    expect(isOwnListener({ protocol: 'udp', address: '127.0.0.1', port: 5060 }, listeners)).toBe(true);
    expect(isOwnListener({ protocol: 'udp', address: '127.0.0.1', port: 5062 }, listeners)).toBe(false);
  });
});

describe('listen specs', () => {
  test('round trip', () => {
    expect(parseListenSpec('udp/127.0.0.1:5060')).toEqual({ protocol: 'udp', host: '127.0.0.1', port: 5060 });
    expect(parseListenSpec('tcp/[::1]:5070')).toEqual({ protocol: 'tcp', host: '::1', port: 5070 });
    expect(formatListenSpec({ protocol: 'tcp', host: '::1', port: 5070 })).toBe('tcp/[::1]:5070');
    expect(() => parseListenSpec('sctp/1.2.3.4:1')).toThrow(ListenSpecError);
    expect(() => parseListenSpec('udp/1.2.3.4:70000')).toThrow(ListenSpecError);
  });
});
