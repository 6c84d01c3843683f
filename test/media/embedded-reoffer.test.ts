/**
 * HoldSession.updateRemote on the embedded engine: a held party that re-INVITEs with a new
 * address, port or SSRC gets the music at its new place, on the same local port and codec.
 */
import pino from 'pino';
import { createEmbeddedMedia, type EmbeddedMedia, type RtpThread } from '../../src/media/embedded/embedded-media';
import { NoCommonCodecError, type HoldSession } from '../../src/media/types';
import { audioPort, offerSdp, RtpPeer } from './rtp-peer';

const log = pino({ level: 'silent' });

function portRange(): { min: number; max: number } {
  const min = 20000 + 2 * Math.floor(Math.random() * 18000);
  return { min, max: min + 40 };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe.each<RtpThread>(['worker', 'main'])('embedded hold session: a new offer from the held party, RTP on the %s thread', (rtpThread) => {
  let media: EmbeddedMedia;
  const peers: RtpPeer[] = [];
  const sessions: HoldSession[] = [];

  beforeAll(() => {
    media = createEmbeddedMedia({ address: '127.0.0.1', portRange: portRange(), log, rtpThread });
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.release()));
    expect(media.activeSessions()).toBe(0);
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  afterAll(async () => {
    await media.stop();
  });

  async function peer(): Promise<RtpPeer> {
    const p = await RtpPeer.open();
    peers.push(p);
    return p;
  }

  async function hold(offer: string): Promise<HoldSession & { updateRemote(offer: string): string }> {
    const session = await media.hold({ callId: `reoffer-${sessions.length}`, remoteOffer: offer });
    sessions.push(session);
    const update = session.updateRemote;
    if (!update) throw new Error('the embedded session must implement updateRemote');
    return Object.assign(session, { updateRemote: update.bind(session) });
  }

  it('follows a new port even after latching to the old SSRC; keeps its own port and codec', async () => {
    const oldPlace = await peer();
    const newPlace = await peer();
    const session = await hold(offerSdp(oldPlace.port, '8 0 101', '127.0.0.1', ['a=rtpmap:8 PCMA/8000']));
    const ourPort = audioPort(session.localSdp);
    await oldPlace.sendRtp(ourPort, '127.0.0.1', 0x1111);
    await oldPlace.waitFor(5);

    const answer = session.updateRemote(offerSdp(newPlace.port, '0 8 101'));
    expect(audioPort(answer)).toBe(ourPort);
    expect(answer).toMatch(/^m=audio \d+ RTP\/AVP 8 101\r$/m);
    expect(session.localSdp).toBe(answer);
    const packets = await newPlace.waitFor(10);
    expect(packets.every((p) => p.payloadType === 8)).toBe(true);
    const stoppedAt = oldPlace.packets.length;
    await sleep(100);
    expect(oldPlace.packets.length).toBeLessThanOrEqual(stoppedAt + 1);

    // The latch is reset: the new stream (another SSRC, from yet another port) is followed.
    const natted = await peer();
    await natted.sendRtp(ourPort, '127.0.0.1', 0x2222);
    await natted.waitFor(5);
  });

  it('raises the SDP version of each new answer', async () => {
    const phone = await peer();
    const session = await hold(offerSdp(phone.port));
    const version = (sdp: string): number => Number(/^o=\S+ \S+ (\d+)/m.exec(sdp)?.[1]);
    const first = version(session.localSdp);
    expect(version(session.updateRemote(offerSdp(phone.port)))).toBe(first + 1);
    expect(version(session.updateRemote(offerSdp(phone.port)))).toBe(first + 2);
  });

  it('re-picks the codec when the one in use is no longer offered', async () => {
    const phone = await peer();
    const session = await hold(offerSdp(phone.port, '0 101'));
    const answer = session.updateRemote(offerSdp(phone.port, '8 101', '127.0.0.1', ['a=rtpmap:8 PCMA/8000']));
    expect(answer).toMatch(/^m=audio \d+ RTP\/AVP 8 101\r$/m);
    const before = phone.packets.length;
    await phone.waitFor(before + 15);
    expect(phone.packets.slice(-5).every((p) => p.payloadType === 8)).toBe(true);
  });

  it('refuses an offer without a common codec and keeps the session as it was', async () => {
    const phone = await peer();
    const session = await hold(offerSdp(phone.port, '0 101'));
    const before = session.localSdp;
    expect(() => session.updateRemote(offerSdp(phone.port + 2, '18', '127.0.0.1', ['a=rtpmap:18 G729/8000']))).toThrow(NoCommonCodecError);
    expect(session.localSdp).toBe(before);
    const count = phone.packets.length;
    await phone.waitFor(count + 10);
  });
});
