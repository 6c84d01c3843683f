import { hostPrefix, literal, StackStartError, udpSipAddress } from '../support/e2e-stack';
import { testAddresses } from '../support/backends';

describe('the e2e stack: where SIPp sends and what peers bind', () => {
  it('takes the UDP listener out of drachtio hostports', () => {
    expect(udpSipAddress('tcp/10.0.0.5:5060,udp/10.0.0.5:5062', '127.0.0.1')).toEqual({ host: '10.0.0.5', port: 5062 });
    expect(udpSipAddress('udp/[2001:db8::5]:5060', '::1')).toEqual({ host: '2001:db8::5', port: 5060 });
  });

  it('reaches an engine bound to a wildcard address at its admin host', () => {
    expect(udpSipAddress('udp/0.0.0.0:5060,tcp/0.0.0.0:5060', '192.0.2.7')).toEqual({ host: '192.0.2.7', port: 5060 });
  });

  it('refuses hostports without a UDP listener', () => {
    expect(() => udpSipAddress('tcp/10.0.0.5:5060', '127.0.0.1')).toThrow(StackStartError);
    expect(() => udpSipAddress('', '127.0.0.1')).toThrow(StackStartError);
  });

  it('trusts exactly the peer address and matches addresses literally', () => {
    expect(hostPrefix('192.0.2.7')).toBe('192.0.2.7/32');
    expect(hostPrefix('2001:db8::7')).toBe('2001:db8::7/128');
    expect(new RegExp(literal('127.0.0.1')).test('127a0b0c1')).toBe(false);
  });

  it('peer, other peer and listen addresses default to loopback and follow the environment', () => {
    expect(testAddresses({})).toEqual({ peer: '127.0.0.1', otherPeer: '127.0.0.2', listen: '127.0.0.1' });
    expect(
      testAddresses({ CALLPARK_TEST_PEER_ADDRESS: ' 192.0.2.10 ', CALLPARK_TEST_OTHER_PEER_ADDRESS: '192.0.2.11', CALLPARK_TEST_LISTEN_ADDRESS: '192.0.2.10' }),
    ).toEqual({ peer: '192.0.2.10', otherPeer: '192.0.2.11', listen: '192.0.2.10' });
  });
});
