import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseConfig, type Config } from '../../src/config';
import { FREESWITCH_DEFAULTS } from '../../src/config/schema';
import { DEFAULT_PROFILE, DEFAULT_SOUNDS } from '../../src/media/freeswitch';

const ISSUE_EXAMPLE = `
sip:
  listen: [udp/127.0.0.1:5060, tcp/127.0.0.1:5060]
  trustedPeers: [127.0.0.1/32]
media:
  backend: embedded
  rtpPorts: 20000-20999
park:
  extension: "700"
policies:
  - name: reception
    allowCallPark: true
    members: ["sip:1*@*", "sip:reception@*"]
    pickupRangeStart: 701
    pickupRangeEnd: 799
    parkTimeout: 300
    ringbackTimeout: 30
    fallback: { action: hangup }
`;

const POLICY = `
  - name: sales
    members: ["sip:2*@*"]
    pickupRangeStart: 801
    pickupRangeEnd: 899`;

const fixedSecret = (): string => 'generated-secret-value';

function parse(text: string, env: Record<string, string> = {}): Config {
  return parseConfig(text, 'test.yaml', { env, randomSecret: fixedSecret });
}

/** The messages of the ConfigError thrown by parsing `text`. */
function errorsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parse(text, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig: the example from the issue', () => {
  const config = parse(ISSUE_EXAMPLE);

  it('keeps the written values', () => {
    expect(config.sip.listen).toEqual([
      { protocol: 'udp', host: '127.0.0.1', port: 5060 },
      { protocol: 'tcp', host: '127.0.0.1', port: 5060 },
    ]);
    expect(config.sip.trustedPeers).toEqual(['127.0.0.1/32']);
    expect(config.media).toMatchObject({ backend: 'embedded', rtpPorts: { start: 20000, end: 20999 }, address: '127.0.0.1' });
    expect(config.park.extension).toBe('700');
    expect(config.policies).toEqual([
      {
        name: 'reception',
        allowCallPark: true,
        members: ['sip:1*@*', 'sip:reception@*'],
        pickupRangeStart: 701,
        pickupRangeEnd: 799,
        parkTimeout: 300,
        ringbackTimeout: 30,
        fallback: { action: 'hangup' },
        holdSound: 'music',
        allocation: 'first',
      },
    ]);
  });

  it('fills defaults: embedded engine on 127.0.0.1:9022 with a generated secret, loopback admin, service mode', () => {
    expect(config.mode).toBe('service');
    expect(config.engine).toEqual({ embedded: true, host: '127.0.0.1', port: 9022, secret: 'generated-secret-value', secretGenerated: true });
    expect(config.admin).toEqual({ host: '127.0.0.1', port: 8080, token: 'generated-secret-value', tokenGenerated: true });
    expect(config.log).toEqual({ level: 'info', pretty: false });
    expect(config.source).toBe('test.yaml');
  });

  it('fills security and shutdown defaults: 5 failed retrievals per identity, 20 per address, in 60 s; 45 s drain', () => {
    expect(config.security).toEqual({ retrievalLimit: { maxFailures: 5, maxFailuresPerAddress: 20, windowSeconds: 60 } });
    expect(config.shutdown).toEqual({ drainSeconds: 45 });
  });

  it('reads security.retrievalLimit and shutdown.drainSeconds, keeping defaults for keys left out', () => {
    const custom = parse('security:\n  retrievalLimit: { maxFailures: 3, windowSeconds: 120 }\nshutdown: { drainSeconds: 0 }\n');
    expect(custom.security.retrievalLimit).toEqual({ maxFailures: 3, maxFailuresPerAddress: 20, windowSeconds: 120 });
    expect(custom.shutdown.drainSeconds).toBe(0);
  });

  it('is deeply frozen', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.policies[0]!.members)).toBe(true);
    expect(Object.isFrozen(config.sip.listen[0])).toBe(true);
  });

  it('makes a different random secret per load by default', () => {
    const first = parseConfig(ISSUE_EXAMPLE, 'a', { env: {} });
    const second = parseConfig(ISSUE_EXAMPLE, 'b', { env: {} });
    expect(first.engine.secret.length).toBeGreaterThanOrEqual(16);
    expect(first.engine.secret).not.toBe(second.engine.secret);
  });

  it('accepts the shipped examples/callpark.yaml', () => {
    const shipped = loadConfig(path.join(__dirname, '../../examples/callpark.yaml'), { env: {} });
    expect(shipped.policies.length).toBeGreaterThan(0);
  });
});

describe('parseConfig: the other settings', () => {
  it('parses IPv6 listeners, v6 CIDRs and bare addresses', () => {
    const config = parse(`sip:\n  listen: ["udp/[::1]:5062", "TCP/127.0.0.1:0"]\n  trustedPeers: ["::1/128", 10.0.0.1]\n`);
    expect(config.sip.listen).toEqual([
      { protocol: 'udp', host: '::1', port: 5062 },
      { protocol: 'tcp', host: '127.0.0.1', port: 0 },
    ]);
    expect(config.sip.trustedPeers).toEqual(['::1/128', '10.0.0.1/32']);
  });

  it('reads an external drachtio-server from {host, port, secret}', () => {
    const config = parse(`engine: { host: 10.0.0.5, port: 9023, secret: s3cret }\n`);
    expect(config.engine).toEqual({ embedded: false, host: '10.0.0.5', port: 9023, secret: 's3cret', secretGenerated: false });
  });

  it('reads fallbacks, hold sound and per-policy allocation', () => {
    const config = parse(`
park: { allocation: next, notifyByMessage: true, extension: 600 }
policies:
  - { name: a, members: [x], pickupRangeStart: 1, pickupRangeEnd: 9, fallback: { action: forward, uri: "sip:op@pbx" } }
  - { name: b, members: [y], pickupRangeStart: 1, pickupRangeEnd: 9, fallback: { action: repark }, holdSound: ringback, allocation: first }
`);
    expect(config.park).toEqual({ extension: '600', allocation: 'next', notifyByMessage: true, courtesyTone: false, unreferredParkDelaySeconds: 5 });
    expect(config.policies[0]).toMatchObject({ fallback: { action: 'forward', uri: 'sip:op@pbx' }, allocation: 'next' });
    expect(config.policies[1]).toMatchObject({ fallback: { action: 'repark', maxTimes: 1 }, holdSound: 'ringback', allocation: 'first' });
  });

  it('accepts b2bua mode with an upstream, freeswitch media and sounds', () => {
    const config = parse(`
mode: b2bua
upstream: sip:pbx.example.com:5060
sip: { outboundProxy: "sip:10.0.0.1;lr" }
media:
  backend: freeswitch
  freeswitch: { host: 127.0.0.1, password: ClueCon }
  sounds: { music: sounds/music.wav, digitsDir: sounds/digits }
`);
    expect(config.mode).toBe('b2bua');
    expect(config.upstream).toBe('sip:pbx.example.com:5060');
    expect(config.media.freeswitch).toEqual({
      host: '127.0.0.1',
      port: 8021,
      password: 'ClueCon',
      listenAddress: '127.0.0.1',
      profile: 'drachtio_mrf',
      soundsDir: '/usr/local/freeswitch/sounds/callpark',
      music: 'local_stream://moh',
    });
    expect(config.media.anchor).toBe('direct');
    expect(config.media.sounds).toEqual({ music: 'sounds/music.wav', digitsDir: 'sounds/digits' });
    expect(config.b2bua).toEqual({ announceToParker: true });
  });

  it('reads every FreeSWITCH setting and server anchoring', () => {
    const config = parse(`
media:
  backend: freeswitch
  anchor: server
  freeswitch:
    host: fs.example.com
    port: 8022
    password: ClueCon
    listenAddress: 10.0.0.5
    listenPort: 9090
    advertisedAddress: callpark.internal
    profile: other_mrf
    soundsDir: /srv/sounds
    music: /srv/sounds/music.wav
`);
    expect(config.media.anchor).toBe('server');
    expect(config.media.freeswitch).toEqual({
      host: 'fs.example.com',
      port: 8022,
      password: 'ClueCon',
      listenAddress: '10.0.0.5',
      listenPort: 9090,
      advertisedAddress: 'callpark.internal',
      profile: 'other_mrf',
      soundsDir: '/srv/sounds',
      music: '/srv/sounds/music.wav',
    });
  });

  it('uses the FreeSWITCH backend\'s own defaults for profile and sounds', () => {
    expect(FREESWITCH_DEFAULTS.profile).toBe(DEFAULT_PROFILE);
    expect(FREESWITCH_DEFAULTS.soundsDir).toBe(DEFAULT_SOUNDS.dir);
    expect(FREESWITCH_DEFAULTS.music).toBe(DEFAULT_SOUNDS.music);
  });

  it('fills desk-phone defaults: connected line on, no courtesy tone, BLF 60-3600 s, orbit spoken to the parker', () => {
    const config = parse('');
    expect(config.sip.connectedLine).toBe(true);
    expect(config.park.courtesyTone).toBe(false);
    expect(config.blf).toEqual({ minExpires: 60, maxExpires: 3600 });
    expect(config.b2bua).toEqual({ announceToParker: true });
  });

  it('reads the desk-phone settings', () => {
    const config = parse(`
sip: { connectedLine: false }
park: { courtesyTone: true }
blf: { minExpires: 120, maxExpires: 600 }
b2bua: { announceToParker: false }
`);
    expect(config.sip.connectedLine).toBe(false);
    expect(config.park.courtesyTone).toBe(true);
    expect(config.blf).toEqual({ minExpires: 120, maxExpires: 600 });
    expect(config.b2bua).toEqual({ announceToParker: false });
  });

  it('reads the load-shedding limits with defaults', () => {
    expect(parse('').sip.admission).toEqual({ maxCallsInSetup: 100, maxEventLoopDelayMs: 250, maxReceiveQueueBytes: 1_048_576, retryAfterSeconds: 2 });
    expect(parse('sip: { admission: { maxCallsInSetup: 20 } }\n').sip.admission.maxCallsInSetup).toBe(20);
    expect(() => parse('sip: { admission: { maxCallsInSetup: 0 } }\n')).toThrow(/sip\.admission\.maxCallsInSetup/);
  });

  it('reads the unreferred-park delay and names the key when it is out of range', () => {
    expect(parse('park: { unreferredParkDelaySeconds: 12 }\n').park.unreferredParkDelaySeconds).toBe(12);
    expect(parse('').park.unreferredParkDelaySeconds).toBe(5);
    expect(() => parse('park: { unreferredParkDelaySeconds: -1 }\n')).toThrow(/park\.unreferredParkDelaySeconds/);
    expect(() => parse('park: { unreferredParkDelaySeconds: "soon" }\n')).toThrow(/park\.unreferredParkDelaySeconds/);
  });

  it('treats an empty file as all defaults', () => {
    const config = parse('');
    expect(config.sip.listen).toHaveLength(2);
    expect(config.policies).toEqual([]);
  });
});

describe('parseConfig: errors name the key and the value', () => {
  it('reports a bad pickupRangeEnd as in the issue', () => {
    expect(errorsOf(`${ISSUE_EXAMPLE}${POLICY.replace('pickupRangeEnd: 899', 'pickupRangeEnd: "7x9"')}`)).toEqual([
      'policies[1].pickupRangeEnd: expected a number >= pickupRangeStart, got "7x9"',
    ]);
  });

  it('reports an end below the start', () => {
    expect(errorsOf(`${ISSUE_EXAMPLE}${POLICY.replace('pickupRangeEnd: 899', 'pickupRangeEnd: 800')}`)).toEqual([
      'policies[1].pickupRangeEnd: expected a number >= pickupRangeStart, got 800',
    ]);
  });

  it.each([
    ['sip:\n  listen: [udp/127.0.0.1]\n', 'sip.listen[0]', 'got "udp/127.0.0.1"'],
    ['sip:\n  listen: [sctp/127.0.0.1:5060]\n', 'sip.listen[0]', 'expected udp/host:port'],
    ['sip:\n  listen: ["udp/::1:5060"]\n', 'sip.listen[0]', 'brackets'],
    ['sip:\n  listen: []\n', 'sip.listen', 'at least one'],
    ['sip:\n  trustedPeers: [127.0.0.1/33]\n', 'sip.trustedPeers[0]', 'prefix length 0-32'],
    ['sip:\n  outboundProxy: pbx.example.com\n', 'sip.outboundProxy', 'SIP URI'],
    ['media:\n  rtpPorts: 2000-1000\n', 'media.rtpPorts', 'got "2000-1000"'],
    ['media:\n  backend: asterisk\n', 'media.backend', 'expected one of embedded, freeswitch, got "asterisk"'],
    ['media:\n  backend: freeswitch\n', 'media.freeswitch', 'required when backend is freeswitch'],
    ['media:\n  address: here\n', 'media.address', 'expected an IP address, got "here"'],
    ['park:\n  allocation: random\n', 'park.allocation', 'expected one of first, next'],
    ['park:\n  extension: "7 0"\n', 'park.extension', 'dialable'],
    ['engine: { embedded: false }\n', 'engine.secret', 'required to reach an external drachtio-server'],
    ['engine: { port: 70000 }\n', 'engine.port', 'expected a number <= 65535, got 70000'],
    ['admin: { listen: "0.0.0.0:8080" }\n', 'admin.token', 'required when admin.listen is not a loopback address'],
    ['admin: { token: short }\n', 'admin.token', 'at least 16 characters'],
    ['log: { level: verbose }\n', 'log.level', 'expected one of fatal, error'],
    ['security: { retrievalLimit: { maxFailures: 0 } }\n', 'security.retrievalLimit.maxFailures', 'expected a number >= 1, got 0'],
    ['security: { retrievalLimit: { windowSeconds: 1.5 } }\n', 'security.retrievalLimit.windowSeconds', 'whole number'],
    ['security: { retrievalLimit: { maxFailure: 3 } }\n', 'security.retrievalLimit.maxFailure', 'did you mean maxFailures?'],
    ['shutdown: { drainSeconds: -1 }\n', 'shutdown.drainSeconds', 'expected a number >= 0, got -1'],
    ['policies:\n  - { name: a, members: [], pickupRangeStart: 1, pickupRangeEnd: 2 }\n', 'policies[0].members', 'at least one member'],
    ['policies:\n  - { name: a, pickupRangeStart: 1, pickupRangeEnd: 2 }\n', 'policies[0].members', 'required'],
    ['policies:\n  - { name: a, members: [x], pickupRangeStart: 1, pickupRangeEnd: 2, parkTimeout: 0 }\n', 'policies[0].parkTimeout', 'expected a number > 0, got 0'],
    ['policies:\n  - { name: a, members: [x], pickupRangeStart: 1, pickupRangeEnd: 2, allowCallPark: "yes" }\n', 'policies[0].allowCallPark', 'expected true or false, got "yes"'],
    ['policies:\n  - { name: a, members: [x], pickupRangeStart: 1, pickupRangeEnd: 2, fallback: { action: forward } }\n', 'policies[0].fallback.uri', 'required'],
    ['policies:\n  - { name: a, members: [x], pickupRangeStart: 1, pickupRangeEnd: 2, fallback: { action: drop } }\n', 'policies[0].fallback.action', 'expected one of hangup, forward, repark'],
    ['policies:\n  - { name: a, members: [x], pickupRangeStart: 1, pickupRangeEnd: 2, fallback: { action: repark, maxTimes: 0 } }\n', 'policies[0].fallback.maxTimes', '>= 1'],
    ['policies:\n  - { name: a, members: [x], pickupRangeStart: 690, pickupRangeEnd: 710 }\n', 'policies[0].pickupRangeStart', 'contains park.extension 700'],
    [`policies:\n  - { name: a, members: [x], pickupRangeStart: 1, pickupRangeEnd: 2 }\n  - { name: a, members: [x], pickupRangeStart: 1, pickupRangeEnd: 2 }\n`, 'policies[1].name', 'duplicate policy name'],
    ['mode: b2bua\n', 'upstream', 'required when mode is b2bua'],
    ['media:\n  anchor: proxy\n', 'media.anchor', 'expected one of direct, server, got "proxy"'],
    ['media:\n  anchor: server\n', 'media.anchor', 'server needs backend freeswitch'],
    ['media:\n  freeswitch: { host: h, password: p, listenAddress: anywhere }\n', 'media.freeswitch.listenAddress', 'expected an IP address, got "anywhere"'],
    ['media:\n  freeswitch: { host: h, password: p, listenPort: 70000 }\n', 'media.freeswitch.listenPort', '<= 65535'],
    ['media:\n  freeswitch: { host: h, password: p, soundDir: /x }\n', 'media.freeswitch.soundDir', 'did you mean soundsDir?'],
    ['media:\n  freeswitch: { host: h }\n', 'media.freeswitch.password', 'required'],
    ['sip: { connectedLine: "no" }\n', 'sip.connectedLine', 'expected true or false, got "no"'],
    ['park: { courtesyTones: true }\n', 'park.courtesyTones', 'did you mean courtesyTone?'],
    ['blf: { minExpires: 0 }\n', 'blf.minExpires', 'expected a number > 0, got 0'],
    ['blf: { minExpires: 600, maxExpires: 300 }\n', 'blf.maxExpires', 'expected a number >= minExpires, got 300'],
    ['blf: { maxExpire: 300 }\n', 'blf.maxExpire', 'did you mean maxExpires?'],
    ['b2bua: { announceToParker: 1 }\n', 'b2bua.announceToParker', 'expected true or false, got 1'],
    ['b2bua: { announce: true }\n', 'b2bua.announce', 'unknown key'],
  ])('%j names %s', (text, keyPath, fragment) => {
    const errors = errorsOf(text);
    const matching = errors.find((message) => message.startsWith(`${keyPath}: `));
    expect({ errors, matching: matching?.includes(fragment) }).toEqual({ errors, matching: true });
  });

  it('names unknown keys, with a hint for typos', () => {
    expect(errorsOf(`${ISSUE_EXAMPLE}    allowCalPark: true\n`)).toEqual(['policies[0].allowCalPark: unknown key (did you mean allowCallPark?)']);
    expect(errorsOf('sipp:\n  listen: []\n')).toEqual(['sipp: unknown key (did you mean sip?)']);
    expect(errorsOf('media:\n  colour: blue\n')).toEqual(['media.colour: unknown key']);
  });

  it('reports every problem at once, with the source in the message', () => {
    try {
      parse('park: { allocation: random }\nlog: { level: loud }\n');
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const configError = error as ConfigError;
      expect(configError.issues).toHaveLength(2);
      expect(configError.message).toMatch(/^test\.yaml: invalid configuration\n {2}/);
    }
  });

  it('reports YAML syntax errors and a non-mapping document', () => {
    expect(errorsOf('sip: [unclosed\n')[0]).toMatch(/^: YAML syntax/);
    expect(errorsOf('sip: 1\nsip: 2\n')[0]).toMatch(/^: YAML syntax/);
    expect(errorsOf('- a\n- b\n')).toEqual([': expected a mapping of keys at the top level']);
  });

  it('reports an unreadable file', () => {
    expect(() => loadConfig('/nonexistent/callpark.yaml')).toThrow(ConfigError);
  });
});

describe('environment overrides', () => {
  it('override listeners, engine port and secret, admin token, RTP ports and log level', () => {
    const config = parse(ISSUE_EXAMPLE, {
      CALLPARK_SIP_LISTEN: 'udp/127.0.0.1:15060, tcp/[::1]:15061',
      CALLPARK_ENGINE_PORT: '19022',
      CALLPARK_ENGINE_SECRET: 'from-env',
      CALLPARK_ADMIN_TOKEN: 'a-token-of-sixteen-chars',
      CALLPARK_ADMIN_LISTEN: '127.0.0.1:18080',
      CALLPARK_RTP_PORTS: '30000-30099',
      CALLPARK_LOG_LEVEL: 'debug',
    });
    expect(config.sip.listen).toEqual([
      { protocol: 'udp', host: '127.0.0.1', port: 15060 },
      { protocol: 'tcp', host: '::1', port: 15061 },
    ]);
    expect(config.engine).toMatchObject({ embedded: true, port: 19022, secret: 'from-env', secretGenerated: false });
    expect(config.admin).toMatchObject({ port: 18080, token: 'a-token-of-sixteen-chars', tokenGenerated: false });
    expect(config.media.rtpPorts).toEqual({ start: 30000, end: 30099 });
    expect(config.log.level).toBe('debug');
  });

  it('ignore empty variables', () => {
    expect(parse(ISSUE_EXAMPLE, { CALLPARK_ENGINE_SECRET: '' }).engine.secretGenerated).toBe(true);
  });

  it('keep an embedded engine embedded when only the host is overridden', () => {
    expect(parse('engine: { port: 9000 }\n', { CALLPARK_ENGINE_HOST: '127.0.0.2' }).engine).toMatchObject({ embedded: true, host: '127.0.0.2' });
  });

  it('name the variable when its value is bad', () => {
    expect(errorsOf(ISSUE_EXAMPLE, { CALLPARK_ENGINE_PORT: 'nine' })).toEqual(['engine.port: expected a number, got "nine" (from CALLPARK_ENGINE_PORT)']);
  });

  it('apply to loadConfig from process.env by default', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callpark-config-'));
    const file = path.join(dir, 'c.yaml');
    fs.writeFileSync(file, ISSUE_EXAMPLE);
    const saved = process.env.CALLPARK_ENGINE_SECRET;
    process.env.CALLPARK_ENGINE_SECRET = 'process-env-secret';
    try {
      expect(loadConfig(file).engine.secret).toBe('process-env-secret');
    } finally {
      if (saved === undefined) delete process.env.CALLPARK_ENGINE_SECRET;
      else process.env.CALLPARK_ENGINE_SECRET = saved;
      fs.rmSync(dir, { recursive: true });
    }
  });
});

describe('sip.allowedSources', () => {
  it('defaults to the loopback ranges plus sip.trustedPeers', () => {
    expect(parseConfig('', 'test').sip.allowedSources).toEqual(['127.0.0.0/8', '::1/128']);
    expect(parseConfig('sip: { trustedPeers: [10.0.0.5, "2001:db8::/32"] }\n', 'test').sip.allowedSources).toEqual([
      '127.0.0.0/8',
      '::1/128',
      '10.0.0.5/32',
      '2001:db8::/32',
    ]);
  });

  it('takes an explicit list as is (normalized), and rejects what is not an IP or CIDR range', () => {
    expect(parseConfig('sip: { allowedSources: [192.0.2.0/24, 10.1.1.1] }\n', 'test').sip.allowedSources).toEqual(['192.0.2.0/24', '10.1.1.1/32']);
    expect(() => parseConfig('sip: { allowedSources: [pbx.example.com] }\n', 'test')).toThrow(/sip\.allowedSources/);
  });
});
