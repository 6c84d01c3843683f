import { MalformedHeaderError, parseNameAddr } from '../../src/sip/name-addr';
import { InvalidTrustedPeerError, TrustedPeers, callerIdentity, displayLabel, referrerIdentity, type IdentityHeaders } from '../../src/sip/identity';

function request(headers: Record<string, string>, source_address = '192.0.2.10'): IdentityHeaders {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    get: (name) => lower.get(name.toLowerCase()),
    has: (name) => lower.has(name.toLowerCase()),
    source_address,
  };
}

describe('parseNameAddr', () => {
  it('reads a quoted display name, the URI and the header params', () => {
    const addr = parseNameAddr('From', '"Alice \\"A\\" Smith" <sip:alice@Example.com;transport=tcp>;tag=abc');
    expect(addr).toEqual({
      displayName: 'Alice "A" Smith',
      uri: 'sip:alice@Example.com;transport=tcp',
      scheme: 'sip',
      user: 'alice',
      host: 'Example.com',
      params: { tag: 'abc' },
    });
  });

  it('treats everything after ";" of an addr-spec as header params', () => {
    const addr = parseNameAddr('From', 'sip:bob@10.0.0.1;tag=1');
    expect(addr.uri).toBe('sip:bob@10.0.0.1');
    expect(addr.params).toEqual({ tag: '1' });
    expect(addr.displayName).toBeUndefined();
  });

  it('reads a tel URI and only the first value of a list', () => {
    const addr = parseNameAddr('P-Asserted-Identity', '<tel:+15551234>, <sip:+15551234@pbx>');
    expect(addr).toMatchObject({ scheme: 'tel', user: '+15551234' });
  });

  it.each(['', '<sip:alice@example.com', 'http://example.com', '<mailto:a@b>'])('rejects %p', (value) => {
    expect(() => parseNameAddr('Referred-By', value)).toThrow(MalformedHeaderError);
  });
});

describe('TrustedPeers', () => {
  const peers = new TrustedPeers(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);

  it('matches IPv4 ranges, single addresses and IPv6 ranges', () => {
    expect(peers.has('10.20.30.40')).toBe(true);
    expect(peers.has('192.0.2.7')).toBe(true);
    expect(peers.has('192.0.2.8')).toBe(false);
    expect(peers.has('2001:db8::1')).toBe(true);
    expect(peers.has('[2001:db8::1]')).toBe(true);
    expect(peers.has('2001:db9::1')).toBe(false);
  });

  it('matches IPv4-mapped IPv6 sources against IPv4 ranges', () => {
    expect(peers.has('::ffff:10.1.1.1')).toBe(true);
  });

  it('never matches garbage', () => {
    expect(peers.has('not-an-ip')).toBe(false);
  });

  it.each(['10.0.0.0/33', 'example.com', '10.0.0.0/x', '::1/129'])('refuses the entry %p', (entry) => {
    expect(() => new TrustedPeers([entry])).toThrow(InvalidTrustedPeerError);
  });
});

describe('callerIdentity', () => {
  const trusted = new TrustedPeers(['192.0.2.0/24']);
  const headers = {
    From: '"Mallory" <sip:mallory@evil.example>;tag=1',
    'P-Asserted-Identity': '"Alice" <sip:alice@pbx.example>',
  };

  it('believes P-Asserted-Identity from a trusted peer', () => {
    const id = callerIdentity(request(headers, '192.0.2.50'), trusted);
    expect(id).toEqual({ aor: 'alice@pbx.example', user: 'alice', uri: 'sip:alice@pbx.example', displayName: 'Alice', source: 'p-asserted-identity' });
  });

  it('ignores P-Asserted-Identity from anyone else and uses From', () => {
    const id = callerIdentity(request(headers, '198.51.100.1'), trusted);
    expect(id).toMatchObject({ aor: 'mallory@evil.example', source: 'from' });
  });

  it('rejects a request without a usable From', () => {
    expect(() => callerIdentity(request({}), trusted)).toThrow(MalformedHeaderError);
    expect(() => callerIdentity(request({ From: '<sip:broken' }), trusted)).toThrow(MalformedHeaderError);
  });
});

describe('referrerIdentity', () => {
  it('is undefined without Referred-By', () => {
    expect(referrerIdentity(request({ From: 'sip:c@x' }))).toBeUndefined();
  });

  it('reads the transferor', () => {
    const id = referrerIdentity(request({ 'Referred-By': '<sip:alice@pbx.example>;cid="x@y"' }));
    expect(id).toMatchObject({ aor: 'alice@pbx.example', uri: 'sip:alice@pbx.example', source: 'referred-by' });
  });

  it('throws on a malformed Referred-By', () => {
    expect(() => referrerIdentity(request({ 'Referred-By': 'garbage' }))).toThrow(MalformedHeaderError);
  });
});

describe('displayLabel', () => {
  it('prefers the display name, then the user', () => {
    expect(displayLabel({ aor: 'a@b', user: 'a', uri: 'sip:a@b', displayName: 'Alice', source: 'from' })).toBe('Alice');
    expect(displayLabel({ aor: 'a@b', user: 'a', uri: 'sip:a@b', source: 'from' })).toBe('a');
  });
});
