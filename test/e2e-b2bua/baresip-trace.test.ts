import { headerOf, sipTrace } from '../support/baresip-b2bua';

const ESC = String.fromCharCode(27);

describe("sipTrace: baresip's -s output", () => {
  it('splits messages with their direction, start line, headers and body, skipping log lines between them', () => {
    const output = [
      'transferring call to sip:700@127.0.0.1',
      `${ESC}[36;1m#`,
      'UDP 127.0.0.1:5062 -> 127.0.0.1:5060',
      'NOTIFY sip:101@127.0.0.1:5062 SIP/2.0\r',
      'Event: refer;id=7\r',
      'Subscription-State: terminated;reason=noresource\r',
      'Content-Type: message/sipfrag;version=2.0\r',
      '\r',
      'SIP/2.0 200 Parked at 701\r',
      `${ESC}[;m`,
      'call closed',
      `${ESC}[36;1m#`,
      'UDP 127.0.0.1:5060 -> 127.0.0.1:5062',
      'SIP/2.0 200 OK\r',
      'CSeq: 2 NOTIFY\r',
      '\r',
      `${ESC}[;m`,
    ].join('\n');
    const [notify, ok, ...rest] = sipTrace(output);
    expect(rest).toEqual([]);
    expect(notify).toMatchObject({ source: '127.0.0.1:5062', destination: '127.0.0.1:5060', startLine: 'NOTIFY sip:101@127.0.0.1:5062 SIP/2.0', body: 'SIP/2.0 200 Parked at 701' });
    expect(headerOf(notify!, 'subscription-state')).toBe('terminated;reason=noresource');
    expect(ok).toMatchObject({ startLine: 'SIP/2.0 200 OK', body: '' });
    expect(headerOf(ok!, 'CSeq')).toBe('2 NOTIFY');
    expect(headerOf(ok!, 'Refer-To')).toBeUndefined();
  });
});
