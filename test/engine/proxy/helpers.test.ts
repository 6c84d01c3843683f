/** Pure parts of the proxy: best-response choice, Via removal, request preparation, local URIs. */
import { SipRequest, SipResponse } from '../../../src/engine/message/sip-message';
import { chooseBestResponse } from '../../../src/engine/proxy/best-response';
import {
  addRecordRoute,
  applyExtraHeaders,
  decrementMaxForwards,
  stripLocalRoutes,
  TooManyHopsError,
} from '../../../src/engine/proxy/forwarded-request';
import { isLocalUri } from '../../../src/engine/proxy/local-uri';
import { withoutTopVia } from '../../../src/engine/proxy/via-strip';
import { uriOf } from '../../../src/engine/core/addressing';

function response(status: number): SipResponse {
  return new SipResponse(status, 'X');
}

const LISTENERS = [
  { protocol: 'udp' as const, host: '127.0.0.1', port: 5070 },
  { protocol: 'tcp' as const, host: '127.0.0.1', port: 5070 },
];

describe('chooseBestResponse (RFC 3261 §16.7 step 6)', () => {
  test('a 6xx wins over lower classes', () => {
    expect(chooseBestResponse([response(486), response(603), response(302)])?.status).toBe(603);
  });
  test('otherwise the lowest class, earliest within the class', () => {
    const first404 = response(404);
    expect(chooseBestResponse([response(503), first404, response(486)])).toBe(first404);
  });
  test('nothing to choose from', () => {
    expect(chooseBestResponse([])).toBeUndefined();
  });
});

describe('withoutTopVia', () => {
  test('removes the first value of a comma-joined Via line', () => {
    const r = response(200);
    r.append('Via', 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKours, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKcaller');
    expect(withoutTopVia(r)?.getAll('via')).toEqual(['SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKcaller']);
  });
  test('removes a whole first line', () => {
    const r = response(180);
    r.append('Via', 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKours');
    r.append('Via', 'SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKcaller');
    expect(withoutTopVia(r)?.getAll('via')).toEqual(['SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKcaller']);
  });
  test('undefined when only our Via was there', () => {
    const r = response(200);
    r.append('Via', 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKours');
    expect(withoutTopVia(r)).toBeUndefined();
  });
});

describe('forwarded request preparation', () => {
  test('Max-Forwards is decremented, added when missing, refused at 0', () => {
    const request = new SipRequest('INVITE', 'sip:a@127.0.0.1:5070');
    request.append('Max-Forwards', '5');
    decrementMaxForwards(request);
    expect(request.get('max-forwards')).toBe('4');
    const bare = new SipRequest('INVITE', 'sip:a@127.0.0.1:5070');
    decrementMaxForwards(bare);
    expect(bare.get('max-forwards')).toBe('70');
    const exhausted = new SipRequest('INVITE', 'sip:a@127.0.0.1:5070');
    exhausted.append('Max-Forwards', '0');
    expect(() => decrementMaxForwards(exhausted)).toThrow(TooManyHopsError);
  });

  test('local Routes at the top are removed, the rest stays in order', () => {
    const request = new SipRequest('BYE', 'sip:b@10.0.0.2');
    request.append('Route', '<sip:127.0.0.1:5070;transport=tcp;lr>, <sip:127.0.0.1:5070;lr>');
    request.append('Route', '<sip:10.0.0.9;lr>');
    const remaining = stripLocalRoutes(request, (uri) => isLocalUri(uri, LISTENERS), uriOf);
    expect(remaining).toEqual(['<sip:10.0.0.9;lr>']);
    expect(request.getAll('route')).toEqual(['<sip:10.0.0.9;lr>']);
  });

  test('Record-Route once for one socket, twice (outbound on top) across transports', () => {
    const udp = { protocol: 'udp' as const, address: '127.0.0.1', port: 5070 };
    const tcp = { protocol: 'tcp' as const, address: '127.0.0.1', port: 5070 };
    const single = new SipRequest('INVITE', 'sip:b@10.0.0.2');
    addRecordRoute(single, { inbound: { host: '127.0.0.1', local: udp }, outbound: { host: '127.0.0.1', local: udp } });
    expect(single.getAll('record-route')).toEqual(['<sip:127.0.0.1:5070;lr>']);
    const double = new SipRequest('INVITE', 'sip:b@10.0.0.2');
    double.append('Record-Route', '<sip:10.0.0.9;lr>');
    addRecordRoute(double, { inbound: { host: '127.0.0.1', local: udp }, outbound: { host: '127.0.0.1', local: tcp } });
    expect(double.getAll('record-route')).toEqual([
      '<sip:127.0.0.1:5070;transport=tcp;lr>',
      '<sip:127.0.0.1:5070;lr>',
      '<sip:10.0.0.9;lr>',
    ]);
  });

  test('REGISTER gets Path and Require: path instead of Record-Route', () => {
    const udp = { protocol: 'udp' as const, address: '127.0.0.1', port: 5070 };
    const register = new SipRequest('REGISTER', 'sip:example.com');
    addRecordRoute(register, { inbound: { host: '192.0.2.1', local: udp }, outbound: { host: '192.0.2.1', local: udp } });
    expect(register.getAll('path')).toEqual(['<sip:192.0.2.1:5070;lr>']);
    expect(register.get('require')).toBe('path');
    expect(register.has('record-route')).toBe(false);
  });

  test("the app's extra headers replace same-named ones; protected headers are ignored", () => {
    const request = new SipRequest('INVITE', 'sip:b@10.0.0.2');
    request.append('X-Tag', 'old');
    request.append('Via', 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx');
    const extra = new SipRequest('INVITE', 'sip:ignored');
    extra.append('x-tag', 'new');
    extra.append('Via', 'SIP/2.0/UDP evil;branch=z9hG4bKy');
    extra.append('Subject', 'hello');
    applyExtraHeaders(request, extra);
    expect(request.getAll('x-tag')).toEqual(['new']);
    expect(request.getAll('via')).toEqual(['SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx']);
    expect(request.get('subject')).toBe('hello');
  });
});

describe('isLocalUri', () => {
  test('host and port of a listener, default port 5060', () => {
    expect(isLocalUri('sip:127.0.0.1:5070;lr', LISTENERS)).toBe(true);
    expect(isLocalUri('sip:alice@127.0.0.1:5070', LISTENERS)).toBe(true);
    expect(isLocalUri('sip:127.0.0.1', LISTENERS)).toBe(false);
    expect(isLocalUri('sip:10.0.0.7:5070', LISTENERS)).toBe(false);
    expect(isLocalUri('sip:203.0.113.5:5070', LISTENERS, '203.0.113.5')).toBe(true);
    expect(isLocalUri('tel:+123', LISTENERS)).toBe(false);
  });
  test('a wildcard listener answers for loopback', () => {
    expect(isLocalUri('sip:127.0.0.1:5070', [{ protocol: 'udp', host: '0.0.0.0', port: 5070 }])).toBe(true);
  });
});
