import { IdentityPattern, matchIdentity, normalizeIdentity } from '../../src/park';

describe('normalizeIdentity', () => {
  it.each([
    ['sip:alice@example.com', 'sip:alice@example.com'],
    ['"Alice Smith" <sip:alice@Example.COM;transport=udp>;tag=abc123', 'sip:alice@example.com'],
    ['<sips:alice@example.com:5061>', 'sip:alice@example.com'],
    ['SIP:Alice@EXAMPLE.com', 'sip:Alice@example.com'],
    ['sip:alice:secret@example.com', 'sip:alice@example.com'],
    ['sip:alice@example.com?Subject=hi', 'sip:alice@example.com'],
    ['sip:1001@[2001:db8::1]:5060', 'sip:1001@[2001:db8::1]'],
    ['sip:example.com', 'sip:example.com'],
    ['alice@example.com', 'sip:alice@example.com'],
    ['"Quote <not>" <sip:bob@example.com>', 'sip:bob@example.com'],
    ['tel:+1-555-123-4567;phone-context=example.com', 'tel:+15551234567'],
    ['<tel:+44 (20) 7946.0000>', 'tel:+442079460000'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizeIdentity(raw)).toBe(expected);
  });

  it.each(['', '1001', 'mailto:alice@example.com', 'sip:@example.com', '<sip:alice@example.com', 'tel:abc-xyz', 'sip:'])(
    'rejects %p',
    (raw) => {
      expect(normalizeIdentity(raw)).toBeUndefined();
    },
  );
});

describe('matchIdentity', () => {
  it('matches wildcards in user and host', () => {
    expect(matchIdentity('sip:1*@*', 'sip:1001@pbx.example.com')).toBe(true);
    expect(matchIdentity('sip:1*@*', '"Desk" <sip:1999@10.0.0.1:5060>;tag=x')).toBe(true);
    expect(matchIdentity('sip:1*@*', 'sip:2001@pbx.example.com')).toBe(false);
    expect(matchIdentity('sip:reception@*', 'sip:reception@a.example')).toBe(true);
    expect(matchIdentity('sip:reception@*', 'sip:reception2@a.example')).toBe(false);
  });

  it('is anchored and treats regex characters literally', () => {
    expect(matchIdentity('sip:1*@example.com', 'sip:1001@example.com.evil')).toBe(false);
    expect(matchIdentity('sip:a.b@example.com', 'sip:aXb@example.com')).toBe(false);
    expect(matchIdentity('sip:a+b@x', 'sip:a+b@x')).toBe(true);
  });

  it('compares hosts case-insensitively and users case-sensitively', () => {
    expect(matchIdentity('sip:*@Example.COM', 'sip:bob@example.com')).toBe(true);
    expect(matchIdentity('sip:Bob@*', 'sip:bob@example.com')).toBe(false);
  });

  it('folds sips into sip, assumes sip: for scheme-less patterns, and "*" matches anything', () => {
    expect(matchIdentity('sip:*@example.com', 'sips:bob@example.com')).toBe(true);
    expect(matchIdentity('2*@*', 'sip:2001@x')).toBe(true);
    expect(matchIdentity('*', 'tel:+15551234')).toBe(true);
    expect(matchIdentity('tel:+1555*', 'tel:+1-555-0100')).toBe(true);
    expect(matchIdentity('sip:*', 'tel:+1555')).toBe(false);
  });

  it('never matches an identity that is not a sip/tel URI', () => {
    expect(new IdentityPattern('*').matches('not a uri')).toBe(false);
  });
});
