import {
  ControlProtocolError,
  parseProxyCommand,
  parseProxyTimeout,
  parseSipCommand,
} from '../../../src/engine/control/app-commands';
import { secretMatches } from '../../../src/engine/control/secret';

const BYE = 'BYE sip:placeholder SIP/2.0\r\nContent-Length: 0\r\n\r\n';

describe('parseSipCommand', () => {
  it('reads a response to an incoming request (TXN, empty DLG)', () => {
    expect(parseSipCommand(['m1', 'sip', 'txn-1', ''], 'SIP/2.0 200 OK\r\n\r\n')).toEqual({
      msgId: 'm1',
      transactionId: 'txn-1',
      dialogId: '',
      sipText: 'SIP/2.0 200 OK\r\n\r\n',
    });
  });

  it('reads an in-dialog request', () => {
    const command = parseSipCommand(['m2', 'sip', '', 'call-1;from-tag=a'], BYE);
    expect(command.dialogId).toBe('call-1;from-tag=a');
    expect(command.routeUri).toBeUndefined();
  });

  it.each([
    ['sip:192.0.2.99', 'sip:192.0.2.99'],
    ['sips:proxy.example.com', 'sips:proxy.example.com'],
    ['192.0.2.99:5070', 'sip:192.0.2.99:5070'],
    ['proxy.example.com:5070;transport=tcp', 'sip:proxy.example.com:5070;transport=tcp'],
  ])('normalises the route token %s to %s', (token, expected) => {
    expect(parseSipCommand(['m3', 'sip', '', '', token], BYE).routeUri).toBe(expected);
  });

  it('ignores an empty route token', () => {
    expect(parseSipCommand(['m3', 'sip', '', '', ''], BYE).routeUri).toBeUndefined();
  });

  it('rejects too few tokens and a missing SIP message', () => {
    expect(() => parseSipCommand(['m4', 'sip', 'txn'], BYE)).toThrow(ControlProtocolError);
    expect(() => parseSipCommand(['m4', 'sip', 'txn', ''], '')).toThrow(ControlProtocolError);
  });
});

describe('parseProxyCommand', () => {
  const headers = 'INVITE sip:10.0.0.7 SIP/2.0\r\nX-Proxied: 1\r\n\r\n';

  it('reads the flags, timeouts and destinations srf sends', () => {
    const tokens = ['m5', 'proxy', 'txn-5', 'remainInDialog', 'fullResponse', '', 'serial', '2s', '1500ms', 'sip:10.0.0.7', '10.0.0.8'];
    expect(parseProxyCommand(tokens, headers)).toEqual({
      msgId: 'm5',
      transactionId: 'txn-5',
      recordRoute: true,
      fullResponse: true,
      followRedirects: false,
      simultaneous: false,
      provisionalTimeout: 2000,
      finalTimeout: 1500,
      destinations: ['sip:10.0.0.7', 'sip:10.0.0.8'],
      sipText: headers,
    });
  });

  it('reads the opposite flags and empty timeouts', () => {
    const tokens = ['m6', 'proxy', 'txn-6', '', 'fullResponse', 'followRedirects', 'simultaneous', '', '', 'tel:+15551234'];
    const command = parseProxyCommand(tokens, headers);
    expect(command).toMatchObject({ recordRoute: false, followRedirects: true, simultaneous: true, destinations: ['tel:+15551234'] });
    expect(command.provisionalTimeout).toBeUndefined();
    expect(command.finalTimeout).toBeUndefined();
  });

  it('rejects a frame without destinations or with a bad timeout', () => {
    expect(() => parseProxyCommand(['m', 'proxy', 't', '', '', '', 'serial', '', ''], headers)).toThrow(ControlProtocolError);
    expect(() => parseProxyCommand(['m', 'proxy', 't', '', '', '', 'serial', '', '', ''], headers)).toThrow(ControlProtocolError);
    expect(() => parseProxyCommand(['m', 'proxy', 't', '', '', '', 'serial', 'soon', '', 'sip:x'], headers)).toThrow(ControlProtocolError);
  });
});

describe('parseProxyTimeout', () => {
  it.each([
    ['2s', 2000],
    ['1500ms', 1500],
    ['30', 30000],
    ['', undefined],
  ])('%s → %s', (token, expected) => {
    expect(parseProxyTimeout(token)).toBe(expected);
  });

  it.each(['-1s', '1.5s', '2m', 's'])('rejects %s', (token) => {
    expect(() => parseProxyTimeout(token)).toThrow(ControlProtocolError);
  });
});

describe('secretMatches', () => {
  it('accepts only the exact secret, whatever the lengths', () => {
    expect(secretMatches('cymru', 'cymru')).toBe(true);
    expect(secretMatches('cymru', 'cymr')).toBe(false);
    expect(secretMatches('cymru', 'cymru ')).toBe(false);
    expect(secretMatches('cymru', '')).toBe(false);
    expect(secretMatches('', '')).toBe(true);
  });
});
