import {
  failureTokens,
  formatStackTime,
  inDialogTokens,
  isSafeToken,
  joinPayload,
  meta6,
  newRequestTokens,
  proxyContinueTokens,
  proxyDoneTokens,
  quickCancelTokens,
  sentRequestReplyTokens,
  sentResponseReplyTokens,
  splitPayload,
  unsolicitedByeTokens,
} from '../../../src/engine/control/leader';

const AT = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 67));
const META = meta6({ source: 'network', bytes: 486, protocol: 'udp', address: '192.0.2.10', port: 5060, at: AT });

/** The leader as srf sees it: message id and type in front of the builder's tokens. */
function srfTokens(tokens: string[]): string[] {
  return joinPayload(['msg-id', ...tokens], 'INVITE sip:x SIP/2.0\r\n\r\n').split('\r')[0]!.split('|');
}

/** A `response` frame as srf sees it: id, `response`, RID, then the builder's tokens. */
function srfResponseTokens(tokens: string[]): string[] {
  return srfTokens(['response', 'rid', ...tokens]);
}

describe('splitPayload', () => {
  it('splits the leader at the first CRLF and keeps the SIP text intact', () => {
    const sip = 'SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n\r\nv=0\r\n';
    expect(splitPayload(`id|sip|txn|\r\n${sip}`)).toEqual({ tokens: ['id', 'sip', 'txn', ''], sipText: sip });
  });

  it('returns an empty SIP text for leader-only frames', () => {
    expect(splitPayload('id|route|invite')).toEqual({ tokens: ['id', 'route', 'invite'], sipText: '' });
  });

  it('round-trips through joinPayload', () => {
    const tokens = ['a', '', 'b', ''];
    expect(splitPayload(joinPayload(tokens, 'BYE x SIP/2.0\r\n\r\n'))).toEqual({ tokens, sipText: 'BYE x SIP/2.0\r\n\r\n' });
    expect(joinPayload(['a', 'b'])).toBe('a|b');
  });
});

describe('META6', () => {
  it('formats UTC time of day with microseconds', () => {
    expect(formatStackTime(AT)).toBe('03:04:05.067000');
    expect(formatStackTime(new Date(Date.UTC(2026, 0, 1, 23, 59, 59, 999)))).toBe('23:59:59.999000');
  });

  it('lists source, bytes, protocol, address, port, time', () => {
    expect(META).toEqual(['network', '486', 'udp', '192.0.2.10', '5060', '03:04:05.067000']);
  });

  it('defaults the time to now', () => {
    const [, , , , , time] = meta6({ source: 'application', bytes: 1, protocol: 'tcp', address: '::1', port: 5070 });
    expect(time).toMatch(/^\d\d:\d\d:\d\d\.\d{6}$/);
  });
});

describe('server → app frames, read with the token indices srf uses', () => {
  it('S1 new request: TXN at 8, empty DLG at 9, receivedOn from 10 and 11, empty session token', () => {
    const t = srfTokens(newRequestTokens(META, 'txn-1', '127.0.0.1', 5060));
    expect(t[1]).toBe('sip');
    expect(t.slice(2, 8)).toEqual(META);
    expect([t[8], t[9], t[10], t[11], t[12]]).toEqual(['txn-1', '', '127.0.0.1', '5060', '']);
    expect(t).toHaveLength(13);
  });

  it('S2 in-dialog: TXN at 8, DLG at 9, more than 9 tokens so srf does not ignore it', () => {
    const t = srfTokens(inDialogTokens(META, 'txn-2', 'call-1;from-tag=abc'));
    expect([t[8], t[9]]).toEqual(['txn-2', 'call-1;from-tag=abc']);
    expect(t.length).toBeGreaterThan(9);
    expect(t.length).toBeLessThanOrEqual(11);
  });

  it('S3 quick CANCEL carries the INVITE TXN and an empty DLG', () => {
    const t = srfTokens(quickCancelTokens(META, 'invite-txn'));
    expect([t[8], t[9]]).toEqual(['invite-txn', '']);
  });

  it('S4 unsolicited BYE uses the TXN srf recognises', () => {
    const t = srfTokens(unsolicitedByeTokens(meta6({ source: 'application', bytes: 1, protocol: 'udp', address: 'h', port: 1, at: AT }), 'd'));
    expect([t[2], t[8], t[9]]).toEqual(['application', 'unsolicited', 'd']);
  });

  it('S8 sent request: callback tokens [0]=OK and [7]=TXN', () => {
    const callbackTokens = srfResponseTokens(sentRequestReplyTokens(META, 'txn-8')).slice(3);
    expect(callbackTokens[0]).toBe('OK');
    expect(callbackTokens.slice(1, 7)).toEqual(META);
    expect(callbackTokens[7]).toBe('txn-8');
    expect(callbackTokens[8]).toBe('Msg sent:');
  });

  it('S9 sent response: meta from 4..9, TXN at 10, DLG at 11, not `continue` at 12', () => {
    const t = srfResponseTokens(sentResponseReplyTokens(META, 'txn-9', 'dlg-9'));
    expect(t.slice(4, 10)).toEqual(META);
    expect([t[10], t[11], t[12], t[13]]).toEqual(['txn-9', 'dlg-9', '', 'Msg sent:']);
  });

  it('S11/S12 proxy progress keeps the callback with `continue` at 12; done does not', () => {
    expect(srfResponseTokens(proxyContinueTokens(META))[12]).toBe('continue');
    expect(srfResponseTokens(proxyDoneTokens()).slice(3)).toEqual(['OK', 'done']);
  });

  it('S10 failure reasons cannot break the leader', () => {
    expect(failureTokens('bad | thing\r\nX')).toEqual(['NOK', 'bad   thing  X']);
    expect(failureTokens('incorrect secret', 'NO')).toEqual(['NO', 'incorrect secret']);
  });

  it('isSafeToken rejects separators and line breaks', () => {
    expect(isSafeToken('call-1;from-tag=x')).toBe(true);
    expect(isSafeToken('a|b')).toBe(false);
    expect(isSafeToken('a\nb')).toBe(false);
  });
});
