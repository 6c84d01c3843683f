import {
  canonicalHeaderName,
  formatNameAddr,
  formatUri,
  formatVia,
  newBranch,
  newCallId,
  newTag,
  parseCSeq,
  parseNameAddr,
  parseUri,
  parseVia,
  SipParseError,
  splitCommaList,
  tagOf,
  unescapeUriComponent,
  viaBranch,
  viaReceived,
  viaRport,
} from '../../../src/engine/message';

describe('parseUri / formatUri', () => {
  it('parses a full SIP URI', () => {
    const uri = parseUri('sips:alice:secret@Example.COM:5061;transport=tcp;lr?subject=hi&priority=urgent');
    expect(uri).toEqual({
      scheme: 'sips',
      user: 'alice',
      password: 'secret',
      host: 'Example.COM',
      port: 5061,
      params: { transport: 'tcp', lr: null },
      headers: { subject: 'hi', priority: 'urgent' },
    });
  });

  it('keeps IPv6 references with brackets', () => {
    expect(parseUri('sip:[::1]:5070')).toMatchObject({ host: '[::1]', port: 5070 });
    expect(parseUri('sip:bob@[2001:db8::10];maddr=x')).toMatchObject({ user: 'bob', host: '[2001:db8::10]' });
  });

  it('accepts user parts with ; ? and escapes (RFC 4475 semiuri, esc01)', () => {
    expect(parseUri('sip:user;par=u%40example.net@example.com')).toMatchObject({
      user: 'user;par=u%40example.net',
      host: 'example.com',
      params: {},
    });
    expect(unescapeUriComponent(parseUri('sip:%75se%72@example.com').user!)).toBe('user');
    expect(unescapeUriComponent('null-%00-null')).toBe('null-\u0000-null');
  });

  it('parses tel and unknown schemes', () => {
    expect(parseUri('tel:+1-201-555-0123;phone-context=example.com')).toMatchObject({
      scheme: 'tel',
      user: '+1-201-555-0123',
      params: { 'phone-context': 'example.com' },
    });
    expect(parseUri('nobodyKnowsThisScheme:totallyopaquecontent')).toMatchObject({
      scheme: 'nobodyknowsthisscheme',
      opaque: 'totallyopaquecontent',
    });
  });

  it.each([
    'sip:alice@example.com',
    'sip:example.com:5060;lr',
    'sips:a:b@[::1]:5061;transport=tls?x=y&z=w',
    'tel:+123;ext=4',
    'urn:service:sos',
  ])('round-trips %s', (text) => {
    expect(formatUri(parseUri(text))).toBe(text);
  });

  it.each(['', 'sip:', '<sip:a@b>', 'sip:a b@c', 'sip:a@', 'sip:a@b:99999', 'sip:a@b;', 'sip:a@b;=x', 'sip:a%zz@b', '1x:y', 'sip:[::1'])(
    'rejects %p',
    (text) => {
      expect(() => parseUri(text)).toThrow(SipParseError);
    },
  );
});

describe('parseNameAddr / formatNameAddr / tagOf', () => {
  it('parses quoted display names with escapes', () => {
    expect(parseNameAddr('"J Rosenberg \\\\\\""  <sip:jdrosen@example.com>\t;  tag = 98asjd8')).toEqual({
      displayName: 'J Rosenberg \\"',
      uri: 'sip:jdrosen@example.com',
      params: { tag: '98asjd8' },
    });
  });

  it('parses unquoted display names, with or without LWS before <', () => {
    expect(parseNameAddr('caller<sip:caller@example.com>;tag=323')).toMatchObject({ displayName: 'caller', params: { tag: '323' } });
    expect(parseNameAddr('Jörg Müller <sip:j@example.com>').displayName).toBe('Jörg Müller');
    expect(parseNameAddr('<sip:a@b>').displayName).toBeUndefined();
  });

  it('gives params after an addr-spec to the header, not the URI', () => {
    expect(parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam')).toEqual({
      uri: 'sip:+19725552222@gw1.example.net',
      params: { unknownparam: null },
    });
    expect(parseNameAddr('<sip:+19725552222@gw1.example.net;unknownparam>').params).toEqual({});
  });

  it('keeps quoted parameter values with their quotes', () => {
    expect(parseNameAddr('<sip:a@b>;p="x;y, z";q=0.5').params).toEqual({ p: '"x;y, z"', q: '0.5' });
  });

  it.each(['', '"unterminated <sip:a@b>', 'Bell, Alexander <sip:a@b>', '<sip:a@b', 'sip:a@b?Route=x', '<sip:a@b>;;', '<sip:a@b> junk'])(
    'rejects %p',
    (text) => {
      expect(() => parseNameAddr(text)).toThrow(SipParseError);
    },
  );

  it('formats with quoting and brackets', () => {
    expect(formatNameAddr({ displayName: 'A "B" \\ C', uri: 'sip:a@b', params: { tag: 'x', lr: null } })).toBe(
      '"A \\"B\\" \\\\ C" <sip:a@b>;tag=x;lr',
    );
    const value = '"A \\"B\\"" <sip:a@b>;tag=x';
    expect(formatNameAddr(parseNameAddr(value))).toBe(value);
  });

  it('finds tags', () => {
    expect(tagOf('<sip:a@b>;tag=abc')).toBe('abc');
    expect(tagOf('sip:a@b;TAG=abc')).toBe('abc');
    expect(tagOf('<sip:a@b;tag=uri-param>')).toBeUndefined();
  });
});

describe('splitCommaList', () => {
  it('respects quotes and angle brackets', () => {
    expect(splitCommaList('"a, b" <sip:x@y;p=1,2>, <sip:z@w> , c')).toEqual(['"a, b" <sip:x@y;p=1,2>', '<sip:z@w>', 'c']);
    expect(splitCommaList('a,,b')).toEqual(['a', '', 'b']);
    expect(splitCommaList('"x\\",y"')).toEqual(['"x\\",y"']);
  });
});

describe('parseVia / formatVia', () => {
  it('parses several values with LWS everywhere (RFC 4475 wsinv)', () => {
    const vias = parseVia('SIP  / 2.0  / tcp     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239');
    expect(vias).toEqual([
      { transport: 'TCP', host: 'spindle.example.com', params: { branch: 'z9hG4bK9ikj8' } },
      { transport: 'UDP', host: '192.168.255.111', params: { branch: 'z9hG4bK30239' } },
    ]);
  });

  it('reads port, received, rport and IPv6', () => {
    const [via] = parseVia('SIP/2.0/UDP [::1]:5070;branch=z9hG4bKx;received=::1;rport=5071');
    expect(via).toMatchObject({ host: '[::1]', port: 5070 });
    expect(viaBranch(via)).toBe('z9hG4bKx');
    expect(viaReceived(via)).toBe('::1');
    expect(viaRport(via)).toBe(5071);
    expect(viaRport(parseVia('SIP/2.0/UDP h;rport')[0])).toBeNull();
    expect(viaRport(parseVia('SIP/2.0/UDP h')[0])).toBeUndefined();
  });

  it('round-trips', () => {
    const text = 'SIP/2.0/TCP host.example.com:5080;branch=z9hG4bKabc;rport;received=192.0.2.1';
    expect(formatVia(parseVia(text)[0])).toBe(text);
  });

  it.each(['', 'SIP/2.0/UDP', 'SIP/2.0/UDP 192.0.2.15;;,;,,', 'SIP/7.0/UDP h', 'HTTP/2.0/UDP h', 'SIP/2.0/UDP h:x', 'SIP/2.0/UDP h;branch='])(
    'rejects %p',
    (text) => {
      expect(() => parseVia(text)).toThrow(SipParseError);
    },
  );
});

describe('parseCSeq', () => {
  it('parses number and method', () => {
    expect(parseCSeq('0009  INVITE')).toEqual({ seq: 9, method: 'INVITE' });
    expect(parseCSeq('2147483647 BYE')).toEqual({ seq: 2147483647, method: 'BYE' });
  });
  it.each(['', 'INVITE', '1', '2147483648 INVITE', '36893488147419103232 REGISTER', '1 IN VITE', '-1 BYE'])('rejects %p', (text) => {
    expect(() => parseCSeq(text)).toThrow(SipParseError);
  });
});

describe('canonicalHeaderName', () => {
  it.each([
    ['via', 'Via'],
    ['v', 'Via'],
    ['call-id', 'Call-ID'],
    ['i', 'Call-ID'],
    ['cseq', 'CSeq'],
    ['www-authenticate', 'WWW-Authenticate'],
    ['record-route', 'Record-Route'],
    ['rack', 'RAck'],
    ['RSEQ', 'RSeq'],
    ['l', 'Content-Length'],
    ['p-asserted-identity', 'P-Asserted-Identity'],
    ['r', 'Refer-To'],
    ['b', 'Referred-By'],
    ['replaces', 'Replaces'],
    ['x', 'Session-Expires'],
    ['min-se', 'Min-SE'],
    ['subscription-state', 'Subscription-State'],
    ['o', 'Event'],
    ['u', 'Allow-Events'],
    ['alert-info', 'Alert-Info'],
    ['max-forwards', 'Max-Forwards'],
    ['user-agent', 'User-Agent'],
    ['foo-bar', 'Foo-Bar'],
    ['x-custom-thing', 'x-custom-thing'],
    ['X-Other', 'X-Other'],
  ])('%s → %s', (name, canonical) => {
    expect(canonicalHeaderName(name)).toBe(canonical);
  });
});

describe('ids', () => {
  it('are unique and well-formed', () => {
    const branches = new Set<string>();
    for (let i = 0; i < 10000; i++) branches.add(newBranch());
    expect(branches.size).toBe(10000);
    expect([...branches].filter((branch) => !/^z9hG4bK[0-9a-z]+$/.test(branch))).toEqual([]);
    expect(newTag()).toMatch(/^[0-9a-z]{8,}$/);
    expect(newCallId()).not.toBe(newCallId());
    expect(newTag()).not.toBe(newTag());
  });
});
