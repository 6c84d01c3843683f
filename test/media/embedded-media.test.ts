import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import pino from 'pino';
import { encodeFrames, PCMU } from '../../src/media/embedded/codecs';
import { createEmbeddedMedia, type EmbeddedMedia, type EmbeddedMediaOptions, type RtpThread } from '../../src/media/embedded/embedded-media';
import { UnsupportedWavError, readWav } from '../../src/media/embedded/wav';
import { InvalidSdpError, MediaUnavailableError, NoCommonCodecError, type HoldSession } from '../../src/media/types';
import { audioPort, offerSdp, RtpPeer, type RtpPacket } from './rtp-peer';

const log = pino({ level: 'silent' });
const musicFrames = new Set(
  encodeFrames(PCMU, readWav(join(__dirname, '../../sounds/music.wav')).samples, { loop: true }).map((f) => f.toString('hex')),
);
const isMusic = (p: RtpPacket): boolean => musicFrames.has(p.payload.toString('hex'));

function portRange(pairs = 50): { min: number; max: number } {
  const min = 20000 + 2 * Math.floor(Math.random() * 18000);
  return { min, max: min + 2 * pairs - 1 };
}

/** Index of the first packet (from now on) that matches. */
async function waitUntil(peer: RtpPeer, match: (p: RtpPacket) => boolean, limit = 100): Promise<number> {
  const from = peer.packets.length;
  for (let count = from + 1; count <= from + limit; count++) {
    await peer.waitFor(count);
    if (match(peer.packets[count - 1]!)) return count - 1;
  }
  throw new Error(`no matching packet among ${limit}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// rtpThread worker runs the compiled worker: `npm run build` before `npx jest test/media`.
describe.each<RtpThread>(['worker', 'main'])('embedded media engine (real sockets), RTP on the %s thread', (rtpThread) => {
  let shared: EmbeddedMedia;
  let media: EmbeddedMedia;
  const extraBackends: EmbeddedMedia[] = [];
  const peers: RtpPeer[] = [];
  const sessions: HoldSession[] = [];

  /** A backend with its own configuration for one test (encoding the sounds costs a moment). */
  function useBackend(options: Partial<EmbeddedMediaOptions>): EmbeddedMedia {
    media = createEmbeddedMedia({ address: '127.0.0.1', portRange: portRange(), log, rtpThread, ...options });
    extraBackends.push(media);
    return media;
  }

  async function peer(address?: string): Promise<RtpPeer> {
    const p = await RtpPeer.open(address);
    peers.push(p);
    return p;
  }

  async function hold(offer?: string): Promise<HoldSession> {
    const session = await media.hold({ callId: `call-${sessions.length}`, remoteOffer: offer });
    sessions.push(session);
    return session;
  }

  beforeAll(() => {
    shared = createEmbeddedMedia({ address: '127.0.0.1', portRange: portRange(), log, rtpThread });
  });

  beforeEach(() => {
    media = shared;
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.release()));
    expect(shared.activeSessions()).toBe(0);
    await Promise.all(extraBackends.splice(0).map((backend) => backend.stop()));
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  afterAll(async () => {
    await shared.stop();
  });

  it('answers an offer and sends paced RTP with consecutive sequence numbers and timestamps', async () => {
    const phone = await peer();
    const session = await hold(offerSdp(phone.port, '0 8 101'));
    expect(session.localSdp).toMatch(/^m=audio \d+ RTP\/AVP 0 101\r$/m);
    expect(session.localSdp).toContain('c=IN IP4 127.0.0.1');
    expect(media.activeSessions()).toBe(1);

    const packets = await phone.waitFor(51);
    expect(packets[0]!.marker).toBe(true);
    for (let i = 1; i < packets.length; i++) {
      const [previous, packet] = [packets[i - 1]!, packets[i]!];
      expect(packet.version).toBe(2);
      expect(packet.payloadType).toBe(0);
      expect(packet.ssrc).toBe(packets[0]!.ssrc);
      expect(packet.sequence).toBe((previous.sequence + 1) & 0xffff);
      // Consecutive unless the pacer dropped ticks after a long stall of a loaded machine.
      const advance = (packet.timestamp - previous.timestamp) >>> 0;
      expect(advance % 160).toBe(0);
      expect(advance).toBeGreaterThanOrEqual(160);
      expect(packet.payload).toHaveLength(160);
      expect(packet.marker).toBe(false);
    }
    expect(packets.every(isMusic)).toBe(true);
    const meanGap = (packets[50]!.arrivedAt - packets[0]!.arrivedAt) / 50;
    expect(meanGap).toBeGreaterThan(15);
    expect(meanGap).toBeLessThan(25);
  });

  it('sends G.722 when the caller prefers it, with the 8000 Hz RTP clock', async () => {
    const phone = await peer();
    const session = await hold(offerSdp(phone.port, '9 0 101', '127.0.0.1', ['a=rtpmap:9 G722/8000']));
    expect(session.localSdp).toContain('a=rtpmap:9 G722/8000');
    const packets = await phone.waitFor(5);
    expect(packets.every((p) => p.payloadType === 9 && p.payload.length === 160)).toBe(true);
    expect((packets[4]!.timestamp - packets[0]!.timestamp) >>> 0).toBeGreaterThanOrEqual(4 * 160);
  });

  it('offers only the configured codecs', async () => {
    useBackend({ codecs: ['PCMA'] });
    const phone = await peer();
    await expect(hold(offerSdp(phone.port, '9 0'))).rejects.toThrow(NoCommonCodecError);
    const session = await hold();
    expect(session.localSdp).toMatch(/^m=audio \d+ RTP\/AVP 8 101\r$/m);
  });

  it('starts with the requested sound', async () => {
    const phone = await peer();
    const session = await media.hold({ callId: 'ringback', remoteOffer: offerSdp(phone.port, '0'), sound: 'ringback' });
    sessions.push(session);
    const packets = await phone.waitFor(5);
    expect(packets.some(isMusic)).toBe(false);
    expect(packets.every((p) => p.payload.some((b) => b !== 0xff))).toBe(true);
  });

  it('latches to the source of incoming RTP (symmetric RTP)', async () => {
    const phone = await peer();
    const nat = await peer();
    const session = await hold(offerSdp(phone.port));
    await phone.waitFor(3);
    await nat.sendRtp(audioPort(session.localSdp));
    await nat.waitFor(5);
    const before = phone.packets.length;
    await sleep(100);
    expect(phone.packets.length).toBeLessThanOrEqual(before + 1);
  });

  it('ignores a second stream with another SSRC once latched', async () => {
    const phone = await peer();
    const intruder = await peer();
    const session = await hold(offerSdp(phone.port));
    const rtpPort = audioPort(session.localSdp);
    await phone.sendRtp(rtpPort, '127.0.0.1', 1);
    await intruder.sendRtp(rtpPort, '127.0.0.1', 2);
    const count = phone.packets.length;
    await phone.waitFor(count + 10);
    expect(intruder.packets).toHaveLength(0);
  });

  it('announces "parked on" and the digits, then resumes the music', async () => {
    const phone = await peer();
    const session = await hold(offerSdp(phone.port));
    await phone.waitFor(5);
    const started = phone.packets.length;
    await session.announce('71');
    await phone.waitFor(phone.packets.length + 15);
    // Music (possibly still in flight when announce() was called), the prompt, then music again.
    const packets = phone.packets.slice(started);
    const promptStart = packets.findIndex((p) => !isMusic(p));
    const promptEnd = packets.findIndex((p, i) => i > promptStart && isMusic(p));
    expect(promptStart).toBeGreaterThanOrEqual(0);
    expect(promptEnd).toBeGreaterThan(promptStart);
    expect(packets.slice(0, promptStart).every(isMusic)).toBe(true);
    // 200 ms lead-in, ~0.9 s prompt, two digits, 400 ms tail: at least 1.5 s of packets.
    expect(promptEnd - promptStart).toBeGreaterThan(75);
    expect(packets[promptStart]!.marker).toBe(true);
    expect(packets[promptEnd]!.marker).toBe(true);
    expect(packets.slice(promptEnd).every(isMusic)).toBe(true);
  });

  it('plays a beep, switches between sounds, and a new prompt cuts the previous one short', async () => {
    const phone = await peer();
    const session = await hold(offerSdp(phone.port));
    await phone.waitFor(2);
    const beforeBeep = phone.packets.length;
    await session.beep();
    // Packets still queued on the socket may be older than the beep, so look at a window.
    await phone.waitFor(phone.packets.length + 10);
    const window = phone.packets.slice(beforeBeep);
    const beepPackets = window.filter((p) => !isMusic(p));
    expect(beepPackets.length).toBeGreaterThanOrEqual(10);
    expect(beepPackets.length).toBeLessThan(15);
    expect(window.slice(-5).every(isMusic)).toBe(true);

    session.play('silence');
    const isSilence = (p: RtpPacket): boolean => p.payload.every((b) => b === 0xff);
    const firstSilent = await waitUntil(phone, isSilence);
    await phone.waitFor(firstSilent + 5);
    expect(phone.packets.slice(firstSilent, firstSilent + 5).every(isSilence)).toBe(true);

    const first = session.announce('123456');
    await sleep(100);
    await session.announce('9');
    await expect(first).resolves.toBeUndefined();
  });

  it('makes an offer when there is none and sends after acceptAnswer', async () => {
    const phone = await peer();
    const session = await hold();
    expect(session.localSdp).toMatch(/^m=audio \d+ RTP\/AVP 0 8 9 101\r$/m);
    expect(session.localSdp).toContain('a=rtpmap:101 telephone-event/8000');
    await sleep(60);
    expect(phone.packets).toHaveLength(0);
    session.acceptAnswer(offerSdp(phone.port, '8 101'));
    const [packet] = await phone.waitFor(1);
    expect(packet!.payloadType).toBe(8);
    expect(() => session.acceptAnswer(offerSdp(phone.port, '8'))).toThrow(/outstanding offer/);
  });

  it('sends nothing to an inactive or sendonly offer, yet announcements still finish', async () => {
    const phone = await peer();
    const session = await hold(offerSdp(phone.port, '0', '127.0.0.1', ['a=sendonly']));
    expect(session.localSdp).toContain('a=recvonly');
    await session.beep();
    expect(phone.packets).toHaveLength(0);
  });

  it('rejects bad offers without taking a port', async () => {
    const phone = await peer();
    await expect(hold(offerSdp(phone.port, '18'))).rejects.toThrow(NoCommonCodecError);
    await expect(hold('garbage')).rejects.toThrow(InvalidSdpError);
    expect(media.activeSessions()).toBe(0);
  });

  it('release() stops sending, frees the port, and is idempotent', async () => {
    const phone = await peer();
    const session = await hold(offerSdp(phone.port));
    const rtpPort = audioPort(session.localSdp);
    await phone.waitFor(3);
    const announcing = session.announce('5');
    await Promise.all([session.release(), session.release()]);
    await expect(announcing).resolves.toBeUndefined();
    expect(media.activeSessions()).toBe(0);
    const count = phone.packets.length;
    await sleep(80);
    expect(phone.packets.length).toBe(count);
    const probe = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(rtpPort, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => probe.close(resolve));
  });

  it('runs out of ports with MediaUnavailableError and recovers', async () => {
    useBackend({ portRange: portRange(1), codecs: ['PCMU'] });
    const phone = await peer();
    const first = await hold(offerSdp(phone.port));
    await expect(hold(offerSdp(phone.port))).rejects.toThrow(MediaUnavailableError);
    await first.release();
    await expect(hold(offerSdp(phone.port))).resolves.toBeDefined();
  });

  it('stop() releases every session and refuses new ones', async () => {
    useBackend({ codecs: ['PCMU'] });
    const phone = await peer();
    await hold(offerSdp(phone.port));
    await hold(offerSdp(phone.port));
    expect(media.activeSessions()).toBe(2);
    await media.stop();
    expect(media.activeSessions()).toBe(0);
    await expect(hold(offerSdp(phone.port))).rejects.toThrow(MediaUnavailableError);
  });

  it('works over IPv6', async () => {
    useBackend({ address: '::1', codecs: ['PCMU'] });
    const phone = await peer('::1');
    const session = await hold(offerSdp(phone.port, '0', '::1'));
    expect(session.localSdp).toContain('c=IN IP6 ::1');
    const packets = await phone.waitFor(3);
    expect(packets[2]!.sequence).toBe((packets[0]!.sequence + 2) & 0xffff);
  });
});

describe.each<RtpThread>(['worker', 'main'])('createEmbeddedMedia configuration, RTP on the %s thread', (rtpThread) => {
  it('fails at start-up on an unusable WAV, naming the file', () => {
    const bad = join(__dirname, 'no-such-music.wav');
    expect(() => createEmbeddedMedia({ address: '127.0.0.1', portRange: portRange(), sounds: { music: bad }, log, rtpThread })).toThrow(
      UnsupportedWavError,
    );
    expect(() => createEmbeddedMedia({ address: '127.0.0.1', portRange: portRange(), sounds: { music: bad }, log, rtpThread })).toThrow(
      /no-such-music\.wav/,
    );
  });

  it('rejects a host name as the media address', () => {
    expect(() => createEmbeddedMedia({ address: 'localhost', portRange: portRange(), log, rtpThread })).toThrow(TypeError);
  });
});
