/**
 * The FreeSWITCH backend driven through the real drachtio-fsmrf 4.1.2 and drachtio-modesl 1.3.1
 * against the ESL stand-in (test/support/esl-stand-in.ts): which commands reach FreeSWITCH in
 * which order, and that every endpoint is hung up on every path.
 */
import pino from 'pino';
import { createFreeswitchMedia, type FreeswitchMedia, type FreeswitchMediaOptions } from '../../../src/media/freeswitch';
import { InvalidSdpError, MediaUnavailableError, NoCommonCodecError } from '../../../src/media/types';
import { EslStandIn } from '../../support/esl-stand-in';
import { OFFER_A, OFFER_B, sdpOffer, waitFor } from './helpers';

const PASSWORD = 'stand-in-password';
let standIn: EslStandIn;
let media: FreeswitchMedia | undefined;

beforeEach(async () => {
  standIn = await EslStandIn.start({ password: PASSWORD });
});

afterEach(async () => {
  await media?.stop();
  media = undefined;
  await standIn.stop();
});

async function startMedia(extra: Partial<FreeswitchMediaOptions> = {}): Promise<FreeswitchMedia> {
  media = createFreeswitchMedia({
    srf: standIn.srf,
    host: '127.0.0.1',
    port: standIn.port,
    password: PASSWORD,
    log: pino({ level: 'silent' }),
    sounds: { dir: '/sounds/callpark' },
    timeouts: { releaseMs: 500 },
    ...extra,
  });
  await media.ready();
  return media;
}

/** The channel's journal entries without its uuid prefix. */
function channelJournal(uuid: string): string[] {
  return standIn.journal.filter((entry) => entry.startsWith(`${uuid}: `)).map((entry) => entry.slice(uuid.length + 2).replaceAll(uuid, '<uuid>'));
}

describe('connecting', () => {
  test('logs in, checks the drachtio_mrf profile, and tells FreeSWITCH to connect back to the listen address', async () => {
    const m = await startMedia();
    expect(m.connected()).toBe(true);
    expect(standIn.journal.slice(0, 3)).toEqual(['inbound: auth ***', 'inbound: api sofia status', 'inbound: exit']);
    await m.hold({ callId: 'c1', remoteOffer: OFFER_A });
    expect(standIn.invites[0]!.uri).toBe('sip:drachtio@127.0.0.1:5080');
    expect(standIn.invites[0]!.headers['X-esl-outbound']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(standIn.invites[0]!.headers['User-Agent']).toMatch(/^drachtio-fsmrf:/);
  });
});

describe('parking', () => {
  test('answers the offer from an endpoint and starts the music', async () => {
    const m = await startMedia();
    const session = await m.hold({ callId: 'c1', remoteOffer: OFFER_A });
    const channel = standIn.channel(session.id);
    expect(channel.offer).toBe(OFFER_A);
    expect(session.localSdp).toBe(channel.localSdp);
    expect(m.activeSessions()).toBe(1);
    await waitFor(() => channel.nowPlaying !== undefined, 'music');
    expect(channelJournal(session.id)).toEqual([
      'connect',
      expect.stringMatching(/^event json CHANNEL_EXECUTE /),
      'filter Unique-ID <uuid>',
      'execute playback local_stream://moh',
    ]);
  });

  test('plays a music file endlessly when sounds.music is a path', async () => {
    const m = await startMedia({ sounds: { dir: '/s', music: '/s/music.wav' } });
    const session = await m.hold({ callId: 'c1', remoteOffer: OFFER_A });
    await waitFor(() => standIn.channel(session.id).nowPlaying !== undefined, 'music');
    expect(standIn.channel(session.id).nowPlaying).toEqual({ app: 'endless_playback', arg: '/s/music.wav' });
  });

  test('starts with the requested sound and switches sounds by breaking the current one', async () => {
    const m = await startMedia();
    const session = await m.hold({ callId: 'c1', remoteOffer: OFFER_A, sound: 'silence' });
    const channel = standIn.channel(session.id);
    await waitFor(() => channel.nowPlaying !== undefined, 'silence');
    session.play('ringback');
    await waitFor(() => channel.nowPlaying?.arg.startsWith('tone_stream://') === true, 'ringback');
    expect(channelJournal(session.id).slice(3)).toEqual([
      'execute playback silence_stream://-1',
      'api uuid_break <uuid> all',
      'execute playback tone_stream://%(2000,4000,440,480);loops=-1',
    ]);
  });

  test('announces "parked on" and the digits, then resumes the music', async () => {
    const m = await startMedia();
    const session = await m.hold({ callId: 'c1', remoteOffer: OFFER_A });
    await session.announce('704');
    const channel = standIn.channel(session.id);
    await waitFor(() => channel.nowPlaying?.arg === 'local_stream://moh', 'music again');
    expect(channelJournal(session.id).slice(3)).toEqual([
      'execute playback local_stream://moh',
      'api uuid_break <uuid> all',
      'execute playback file_string:///sounds/callpark/parked-on.wav!/sounds/callpark/digits/7.wav!/sounds/callpark/digits/0.wav!/sounds/callpark/digits/4.wav',
      'api uuid_break <uuid> all',
      'execute playback local_stream://moh',
    ]);
  });

  test('beeps once and resumes', async () => {
    const m = await startMedia();
    const session = await m.hold({ callId: 'c1', remoteOffer: OFFER_A, sound: 'ringback' });
    await session.beep();
    await waitFor(() => standIn.channel(session.id).nowPlaying?.arg.startsWith('tone_stream://') === true, 'ringback again');
    expect(standIn.channel(session.id).executed.map((call) => call.arg)).toEqual([
      'tone_stream://%(2000,4000,440,480);loops=-1',
      '/sounds/callpark/beep.wav',
      'tone_stream://%(2000,4000,440,480);loops=-1',
    ]);
  });

  test('an announcement that never ends is cut at the deadline', async () => {
    const m = await startMedia({ timeouts: { announceMs: 200 } });
    standIn.behaviour.finitePlaybackMs = 60_000;
    const session = await m.hold({ callId: 'c1', remoteOffer: OFFER_A });
    await session.announce('1');
    await waitFor(() => standIn.channel(session.id).nowPlaying?.arg === 'local_stream://moh', 'music after the cut');
  });

  test('offers when there is no remote offer, and plays only once the answer is applied', async () => {
    const m = await startMedia();
    const session = await m.hold({ callId: 'c1' });
    const channel = standIn.channel(session.id);
    expect(standIn.journal).toContain('SIP INVITE sip:drachtio@127.0.0.1:5080 without offer');
    expect(session.localSdp).toBe(channel.localSdp);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(channel.executed).toEqual([]);
    session.acceptAnswer(OFFER_A);
    await waitFor(() => channel.nowPlaying !== undefined, 'music after the answer');
    expect(channel.dialog.modifies).toEqual([OFFER_A]);
    expect(channelJournal(session.id).slice(3)).toEqual([
      'SIP re-INVITE',
      'api uuid_set_media_stats <uuid>',
      'api uuid_dump <uuid>',
      'execute playback local_stream://moh',
    ]);
  });
});

describe('refusals', () => {
  test('an offer without audio is InvalidSdpError and costs no INVITE', async () => {
    const m = await startMedia();
    await expect(m.hold({ callId: 'c1', remoteOffer: 'v=0\r\ns=-\r\nt=0 0\r\n' })).rejects.toBeInstanceOf(InvalidSdpError);
    expect(standIn.invites).toHaveLength(0);
  });

  test('a secure RTP offer is NoCommonCodecError', async () => {
    const m = await startMedia();
    await expect(m.hold({ callId: 'c1', remoteOffer: sdpOffer(40000, 'RTP/SAVP') })).rejects.toBeInstanceOf(NoCommonCodecError);
    expect(standIn.invites).toHaveLength(0);
  });

  test('an offer without any configured codec is NoCommonCodecError', async () => {
    const m = await startMedia({ codecs: ['G729'] });
    await expect(m.hold({ callId: 'c1', remoteOffer: OFFER_A })).rejects.toBeInstanceOf(NoCommonCodecError);
  });

  test.each([
    [488, NoCommonCodecError],
    [400, InvalidSdpError],
    [503, MediaUnavailableError],
  ])('FreeSWITCH answering %i is %p', async (status, errorClass) => {
    const m = await startMedia();
    standIn.behaviour.rejectInvitesWith = status;
    await expect(m.hold({ callId: 'c1', remoteOffer: OFFER_A })).rejects.toBeInstanceOf(errorClass);
    expect(m.activeSessions()).toBe(0);
  });

  test('no outbound event socket from FreeSWITCH: MediaUnavailableError and the SIP dialog is ended', async () => {
    const m = await startMedia();
    standIn.behaviour.skipOutboundConnect = true;
    // fsmrf waits 4 s for the connection before giving up.
    await expect(m.hold({ callId: 'c1', remoteOffer: OFFER_A })).rejects.toBeInstanceOf(MediaUnavailableError);
    expect(standIn.channels[0]!.dialog.destroyedByApp).toBe(true);
    expect(m.activeSessions()).toBe(0);
  });

  test('stopped media refuses new parks', async () => {
    const m = await startMedia();
    await m.stop();
    await expect(m.hold({ callId: 'c1', remoteOffer: OFFER_A })).rejects.toBeInstanceOf(MediaUnavailableError);
  });
});

describe('releasing', () => {
  test('hangs the endpoint up, waits for the BYE, and is idempotent', async () => {
    const m = await startMedia();
    const session = await m.hold({ callId: 'c1', remoteOffer: OFFER_A });
    const channel = standIn.channel(session.id);
    await Promise.all([session.release(), session.release()]);
    await session.release();
    expect(channel.executed.filter((call) => call.app === 'hangup')).toHaveLength(1);
    expect(channel.hungUp).toBe(true);
    expect(channel.dialog.destroyedByApp).toBe(false);
    expect(m.activeSessions()).toBe(0);
  });

  test('without a BYE from FreeSWITCH the SIP dialog is ended by us', async () => {
    const m = await startMedia();
    standIn.behaviour.ignoreHangup = true;
    const session = await m.hold({ callId: 'c1', remoteOffer: OFFER_A });
    await session.release();
    expect(standIn.channel(session.id).dialog.destroyedByApp).toBe(true);
    expect(m.activeSessions()).toBe(0);
  });

  test('release during an announcement ends the announcement', async () => {
    const m = await startMedia();
    standIn.behaviour.finitePlaybackMs = 60_000;
    const session = await m.hold({ callId: 'c1', remoteOffer: OFFER_A });
    const announcing = session.announce('5');
    await waitFor(() => standIn.channel(session.id).nowPlaying?.arg.startsWith('file_string://') === true, 'announcement');
    await session.release();
    await announcing;
    expect(standIn.channel(session.id).executed.at(-1)).toEqual({ app: 'hangup', arg: '' });
  });

  test('an endpoint FreeSWITCH dropped is still released cleanly, and sound changes are ignored', async () => {
    const m = await startMedia();
    const session = await m.hold({ callId: 'c1', remoteOffer: OFFER_A });
    const channel = standIn.channel(session.id);
    channel.closeSocket();
    await waitFor(() => channel.socketClosed, 'socket closed');
    session.play('ringback');
    await session.announce('1');
    await session.release();
    expect(m.activeSessions()).toBe(0);
    expect(channel.executed.map((call) => call.app)).toEqual(['playback']);
  });

  test('stop() hangs up every endpoint', async () => {
    const m = await startMedia();
    const sessions = await Promise.all([m.hold({ callId: 'a', remoteOffer: OFFER_A }), m.hold({ callId: 'b', remoteOffer: OFFER_B })]);
    await m.stop();
    for (const session of sessions) expect(standIn.channel(session.id).hungUp).toBe(true);
    expect(m.activeSessions()).toBe(0);
  });
});

describe('anchored retrieval (media.anchor: server)', () => {
  test('answers the retriever from a second endpoint, bridges it, and releases both', async () => {
    const m = await startMedia({ anchor: 'server' });
    expect(m.anchor).toBe('server');
    const session = await m.hold({ callId: 'c1', remoteOffer: OFFER_A });
    const { localSdp } = await session.anchor(OFFER_B);
    expect(standIn.channels).toHaveLength(2);
    const [parked, retriever] = standIn.channels as [EslStandIn['channels'][0], EslStandIn['channels'][0]];
    expect(retriever.offer).toBe(OFFER_B);
    expect(localSdp).toBe(retriever.localSdp);
    expect(parked.bridgedWith).toBe(retriever.uuid);
    expect(channelJournal(parked.uuid).slice(-2)).toEqual(['api uuid_break <uuid> all', `api uuid_bridge <uuid> ${retriever.uuid}`]);
    session.play('ringback');
    await session.announce('1');
    expect(parked.executed).toEqual([{ app: 'playback', arg: 'local_stream://moh' }]);
    await session.release();
    expect(parked.hungUp && retriever.hungUp).toBe(true);
    expect(m.activeSessions()).toBe(0);
  });

  test('a refused bridge hangs up the retriever endpoint and the music goes on', async () => {
    const m = await startMedia({ anchor: 'server' });
    const session = await m.hold({ callId: 'c1', remoteOffer: OFFER_A });
    standIn.behaviour.refuseBridge = true;
    await expect(session.anchor(OFFER_B)).rejects.toBeInstanceOf(MediaUnavailableError);
    const [parked, retriever] = standIn.channels as [EslStandIn['channels'][0], EslStandIn['channels'][0]];
    expect(retriever.hungUp).toBe(true);
    await waitFor(() => parked.nowPlaying?.arg === 'local_stream://moh', 'music again');
    expect(m.activeSessions()).toBe(1);
  });

  test('a retriever offer FreeSWITCH refuses is NoCommonCodecError and the party stays parked', async () => {
    const m = await startMedia({ anchor: 'server' });
    const session = await m.hold({ callId: 'c1', remoteOffer: OFFER_A });
    standIn.behaviour.rejectInvitesWith = 488;
    await expect(session.anchor(OFFER_B)).rejects.toBeInstanceOf(NoCommonCodecError);
    expect(standIn.channel(session.id).hungUp).toBe(false);
  });
});

// fsmrf arms a 1 s "not ready" timer per connection that it never clears; let the last one run out
// so the worker exits by itself.
afterAll(() => new Promise((resolve) => setTimeout(resolve, 1100)));
