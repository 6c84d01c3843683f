import { SipRequest } from '../../../src/engine/message';
import { connectionKey, normalizeAddress } from '../../../src/engine/transport/endpoint-key';
import { responseDestination } from '../../../src/engine/transport/response-destination';
import { responseFromRequest, safeReasonPhrase } from '../../../src/engine/transport/response-from-request';
import type { Source } from '../../../src/engine/transport/types';
import { stampReceived } from '../../../src/engine/transport/via-stamp';

const UDP_SOURCE: Source = { protocol: 'udp', address: '203.0.113.5', port: 40000, localAddress: '127.0.0.1', localPort: 5060 };

function withVia(...vias: string[]): SipRequest {
  const request = new SipRequest('OPTIONS', 'sip:x@example.com');
  for (const via of vias) request.append('Via', via);
  request.append('From', '<sip:a@example.com>;tag=f');
  request.append('To', '<sip:b@example.com>');
  request.append('Call-ID', 'c');
  request.append('CSeq', '7 OPTIONS');
  return request;
}

describe('stampReceived (RFC 3261 §18.2.1, RFC 3581)', () => {
  it('rewrites only the first value of a comma-separated first Via line', () => {
    const request = withVia('SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK-1, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-0');
    expect(stampReceived(request, UDP_SOURCE)).toBe(true);
    expect(request.get('via')).toBe(
      'SIP/2.0/UDP 10.0.0.1:5060;rport=40000;branch=z9hG4bK-1;received=203.0.113.5, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-0',
    );
  });

  it('adds received with rport even when the address matches; leaves an already right Via alone', () => {
    const rport = withVia('SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-1;rport');
    stampReceived(rport, UDP_SOURCE);
    expect(rport.get('via')).toBe('SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-1;rport=40000;received=203.0.113.5');
    const plain = withVia('SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-1');
    stampReceived(plain, UDP_SOURCE);
    expect(plain.get('via')).toBe('SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-1');
  });

  it('replaces a received the sender supplied with the real source, even when the host matches', () => {
    const forged = withVia('SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-1;received=198.51.100.9');
    expect(stampReceived(forged, UDP_SOURCE)).toBe(true);
    expect(forged.get('via')).toBe('SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bK-1;received=203.0.113.5');
    expect(responseDestination(forged, UDP_SOURCE)).toEqual({ protocol: 'udp', address: '203.0.113.5', port: 5060 });
    const elsewhere = withVia('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;received=198.51.100.9');
    stampReceived(elsewhere, UDP_SOURCE);
    expect(elsewhere.get('via')).toBe('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;received=203.0.113.5');
  });

  it('reports an unusable Via', () => {
    expect(stampReceived(withVia('garbage'), UDP_SOURCE)).toBe(false);
    expect(stampReceived(withVia(), UDP_SOURCE)).toBe(false);
  });
});

describe('responseDestination (RFC 3261 §18.2.2)', () => {
  it('UDP: rport and received win, else sent-by with the default port', () => {
    const stamped = withVia('SIP/2.0/UDP 10.0.0.1:5070;rport;branch=z9hG4bK-1');
    stampReceived(stamped, UDP_SOURCE);
    expect(responseDestination(stamped, UDP_SOURCE)).toEqual({ protocol: 'udp', address: '203.0.113.5', port: 40000 });
    const received = withVia('SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK-1');
    stampReceived(received, UDP_SOURCE);
    expect(responseDestination(received, UDP_SOURCE)).toEqual({ protocol: 'udp', address: '203.0.113.5', port: 5070 });
    const bare = withVia('SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK-1');
    expect(responseDestination(bare, UDP_SOURCE)).toEqual({ protocol: 'udp', address: '2001:db8::1', port: 5060 });
  });

  it('TCP: back to the connection the request came from', () => {
    const source: Source = { ...UDP_SOURCE, protocol: 'tcp' };
    const request = withVia('SIP/2.0/TCP 10.0.0.1:5070;branch=z9hG4bK-1');
    expect(responseDestination(request, source)).toEqual({ protocol: 'tcp', address: '203.0.113.5', port: 40000 });
  });
});

describe('stateless responses and endpoint keys', () => {
  it('copies Via lines, From, Call-ID, CSeq and adds a To tag except on 100', () => {
    const request = withVia('SIP/2.0/UDP a;branch=z9hG4bK-1', 'SIP/2.0/UDP b;branch=z9hG4bK-0');
    const bad = responseFromRequest(request, 400, 'Bad CSeq', 'tag1');
    expect(bad.getAll('via')).toEqual(request.getAll('via'));
    expect(bad.get('to')).toBe('<sip:b@example.com>;tag=tag1');
    expect(bad.get('cseq')).toBe('7 OPTIONS');
    expect(responseFromRequest(request, 100, 'Trying', 'tag1').get('to')).toBe('<sip:b@example.com>');
    request.set('To', '<sip:b@example.com>;tag=existing');
    expect(responseFromRequest(request, 400, 'x', 'tag1').get('to')).toBe('<sip:b@example.com>;tag=existing');
  });

  it('reason phrases are one printable line of bounded length', () => {
    expect(safeReasonPhrase('Bad\r\nInjected: yes')).toBe('Bad Injected: yes');
    expect(safeReasonPhrase('x'.repeat(500))).toHaveLength(120);
    expect(safeReasonPhrase('\r\n')).toBe('Bad Request');
  });

  it('IPv4-mapped IPv6 addresses key like their IPv4 form', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeAddress('[::1]')).toBe('::1');
    expect(connectionKey('::ffff:10.0.0.1', 5060)).toBe(connectionKey('10.0.0.1', 5060));
  });
});
