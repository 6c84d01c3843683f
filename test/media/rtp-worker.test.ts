/**
 * What only the RTP worker (media.rtpThread: worker) does: its lifetime, its crash, its log
 * forwarding, and prompts that resolve when the worker says they have played. Runs the compiled
 * worker: `npm run build` before `npx jest test/media`.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import pino from 'pino';
import { encodeFrames, PCMU } from '../../src/media/embedded/codecs';
import { createEmbeddedMedia, type EmbeddedMedia } from '../../src/media/embedded/embedded-media';
import { readWav } from '../../src/media/embedded/wav';
import { MAX_RESTARTS } from '../../src/media/embedded/worker-rtp-host';
import { MediaUnavailableError } from '../../src/media/types';
import { audioPort, offerSdp, RtpPeer, type RtpPacket } from './rtp-peer';

const DIST_EMBEDDED = join(__dirname, '../../dist/src/media/embedded');
const musicFrames = new Set(
  encodeFrames(PCMU, readWav(join(__dirname, '../../sounds/music.wav')).samples, { loop: true }).map((f) => f.toString('hex')),
);
const isMusic = (p: RtpPacket): boolean => musicFrames.has(p.payload.toString('hex'));

function portRange(pairs = 20): { min: number; max: number } {
  const min = 20000 + 2 * Math.floor(Math.random() * 18000);
  return { min, max: min + 2 * pairs - 1 };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface LogRecord {
  level: number;
  msg: string;
  [key: string]: unknown;
}

describe('embedded media: the RTP worker thread', () => {
  let media: EmbeddedMedia | undefined;
  let worker: Worker | undefined;
  let records: LogRecord[] = [];
  const peers: RtpPeer[] = [];

  function start(): EmbeddedMedia {
    records = [];
    const log = pino({ level: 'info' }, { write: (line: string) => records.push(JSON.parse(line) as LogRecord) });
    media = createEmbeddedMedia({
      address: '127.0.0.1',
      portRange: portRange(),
      codecs: ['PCMU'],
      log,
      rtpThread: 'worker',
      onRtpWorker: (created) => {
        worker = created;
      },
    });
    return media;
  }

  async function peer(): Promise<RtpPeer> {
    const p = await RtpPeer.open();
    peers.push(p);
    return p;
  }

  afterEach(async () => {
    await media?.stop();
    media = undefined;
    worker = undefined;
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  it('stop() releases the sessions and terminates the worker', async () => {
    const backend = start();
    const exited = new Promise<number>((resolve) => worker!.once('exit', resolve));
    await expect(backend.ready()).resolves.toBeUndefined();
    const phone = await peer();
    await backend.hold({ callId: 'stop', remoteOffer: offerSdp(phone.port, '0') });
    await phone.waitFor(3);
    await backend.stop();
    await expect(exited).resolves.toBe(1);
    expect(backend.activeSessions()).toBe(0);
    const count = phone.packets.length;
    await sleep(80);
    expect(phone.packets.length).toBe(count);
    expect(records.filter((r) => r.level >= 50)).toEqual([]);
  });

  it('does not keep the process alive once idle, whether or not stop() is called', async () => {
    const script = (stop: boolean, min = portRange().min): string => `
      const pino = require('pino');
      const { createEmbeddedMedia } = require(${JSON.stringify(DIST_EMBEDDED)});
      const media = createEmbeddedMedia({ address: '127.0.0.1', portRange: { min: ${min}, max: ${min + 9} },
        codecs: ['PCMU'], log: pino({ level: 'silent' }), rtpThread: 'worker' });
      ${stop ? `media.hold({ callId: 'exit', remoteOffer: ${JSON.stringify(offerSdp(9, '0'))} })
        .then(() => media.stop()).then(() => console.log('stopped'));` : `media.ready().then(() => console.log('ready'));`}`;
    const run = (stop: boolean): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> => {
      const begun = performance.now();
      return new Promise((resolve) => {
        const child = execFile(process.execPath, ['-e', script(stop)], { timeout: 10000 }, (_err, stdout, stderr) =>
          resolve({ code: child.exitCode, stdout, stderr, ms: performance.now() - begun }),
        );
      });
    };
    const [stopped, idle] = await Promise.all([run(true), run(false)]);
    expect(stopped).toMatchObject({ code: 0, stdout: 'stopped\n', stderr: '' });
    // Waiting for ready() alone keeps the process up until the worker has started.
    expect(idle).toMatchObject({ code: 0, stdout: 'ready\n', stderr: '' });
    expect(stopped.ms).toBeLessThan(8000);
  });

  /** Crashes the current worker (it throws on a message it does not know) and waits for its exit. */
  async function crash(): Promise<void> {
    const crashing = worker!;
    const exited = new Promise<void>((resolve) => crashing.once('exit', () => resolve()));
    // An unknown message is a bug on the main thread's side: the worker throws on it.
    crashing.postMessage({ type: 'no-such-message' });
    await exited;
  }

  /** The source ports of the packets `p` receives from now on. */
  function sourcePorts(p: RtpPeer): number[] {
    const ports: number[] = [];
    p.socket.on('message', (_data, from) => ports.push(from.port));
    return ports;
  }

  it('a crashed worker is restarted: a holding session keeps its port, media and sound; hold() waits for the restart', async () => {
    const backend = start();
    const phone = await peer();
    const moved = await peer();
    const other = await peer();
    const session = await backend.hold({ callId: 'restart', remoteOffer: offerSdp(phone.port, '0') });
    const localPort = audioPort(session.localSdp);
    await phone.waitFor(3);
    // Re-negotiated to another destination and a dynamic payload type, then another sound: the
    // restarted worker must follow the last state, not the first.
    session.updateRemote!(offerSdp(moved.port, '97', '127.0.0.1', ['a=rtpmap:97 PCMU/8000']));
    session.play('silence');
    await moved.waitFor(3);
    const announcing = session.announce('42');
    const first = worker;
    await crash();
    expect(worker).not.toBe(first);
    // Sent while the old worker was dying and before the new one is ready: waits, then succeeds.
    const holding = backend.hold({ callId: 'during-restart', remoteOffer: offerSdp(other.port, '0') });
    await expect(announcing).resolves.toBeUndefined();
    const toPhone = phone.packets.length;
    const from = moved.packets.length;
    const sources = sourcePorts(moved);
    await moved.waitFor(from + 5);
    const after = moved.packets.slice(from);
    expect(after.every((p) => p.payloadType === 97)).toBe(true);
    expect(after.some(isMusic)).toBe(false);
    expect(new Set(sources)).toEqual(new Set([localPort]));
    expect(phone.packets.length).toBe(toPhone);
    const second = await holding;
    await other.waitFor(3);
    expect(audioPort(second.localSdp)).not.toBe(localPort);
    await expect(backend.hold({ callId: 'after-restart', remoteOffer: offerSdp(other.port, '0') })).resolves.toBeDefined();
    expect(backend.activeSessions()).toBe(3);
    await expect(session.beep()).resolves.toBeUndefined();
    const errors = records.filter((r) => r.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ msg: expect.stringMatching(/RTP worker crashed: restarting/) as unknown });
  });

  it('a stream whose port was taken during the restart is the only one reported lost', async () => {
    const backend = start();
    const phone = await peer();
    const kept = await backend.hold({ callId: 'kept', remoteOffer: offerSdp(phone.port, '0') });
    const taken = await backend.hold({ callId: 'taken', remoteOffer: offerSdp(phone.port, '0') });
    await phone.waitFor(3);
    const thief = createSocket('udp4');
    const crashing = worker!;
    // The host restarts on 'exit' (its listener runs first); the new worker needs far longer to
    // start than this bind.
    const bound = new Promise<void>((resolve) =>
      crashing.once('exit', () => thief.bind({ port: audioPort(taken.localSdp), address: '127.0.0.1', exclusive: true }, resolve)),
    );
    try {
      await crash();
      await bound;
      await backend.ready();
      const deadline = performance.now() + 3000;
      while (backend.activeSessions() > 1 && performance.now() < deadline) await sleep(20);
      expect(backend.activeSessions()).toBe(1);
      await expect(taken.release()).resolves.toBeUndefined();
      const keptPackets = sourcePorts(phone);
      await phone.waitFor(phone.packets.length + 5);
      expect(new Set(keptPackets)).toEqual(new Set([audioPort(kept.localSdp)]));
    } finally {
      await new Promise<void>((resolve) => thief.close(() => resolve()));
    }
  });

  it(`after more than ${MAX_RESTARTS} crashes in a row it gives up: sessions released, hold() fails with MediaUnavailableError`, async () => {
    const backend = start();
    const phone = await peer();
    const session = await backend.hold({ callId: 'crash', remoteOffer: offerSdp(phone.port, '0') });
    await phone.waitFor(3);
    for (let restart = 1; restart <= MAX_RESTARTS; restart++) {
      await crash();
      await backend.ready();
      await phone.waitFor(phone.packets.length + 3);
      expect(backend.activeSessions()).toBe(1);
    }
    const announcing = session.announce('42');
    const crashed = crash();
    const holding = backend.hold({ callId: 'during-crash', remoteOffer: offerSdp(phone.port, '0') });
    await crashed;
    await expect(holding).rejects.toThrow(MediaUnavailableError);
    await expect(announcing).resolves.toBeUndefined();
    expect(backend.activeSessions()).toBe(0);
    await expect(session.release()).resolves.toBeUndefined();
    await expect(session.beep()).resolves.toBeUndefined();
    await expect(backend.hold({ callId: 'after-crash', remoteOffer: offerSdp(phone.port, '0') })).rejects.toThrow(MediaUnavailableError);
    await expect(backend.ready()).rejects.toThrow(MediaUnavailableError);
    const errors = records.filter((r) => r.level === 50);
    expect(errors).toHaveLength(MAX_RESTARTS + 1);
    expect(errors.at(-1)!.msg).toMatch(/keeps crashing/);
    const count = phone.packets.length;
    await sleep(80);
    expect(phone.packets.length).toBe(count);
  });

  it('stop() during a restart terminates the new worker', async () => {
    const backend = start();
    const phone = await peer();
    await backend.hold({ callId: 'stop-restart', remoteOffer: offerSdp(phone.port, '0') });
    await phone.waitFor(3);
    await crash();
    const restarted = worker!;
    const exited = new Promise<void>((resolve) => restarted.once('exit', () => resolve()));
    await backend.stop();
    await exited;
    expect(backend.activeSessions()).toBe(0);
    await expect(backend.hold({ callId: 'after-stop', remoteOffer: offerSdp(phone.port, '0') })).rejects.toThrow(MediaUnavailableError);
    const count = phone.packets.length;
    await sleep(150);
    expect(phone.packets.length).toBe(count);
  });

  it('announce() resolves once the worker has played the prompt', async () => {
    const backend = start();
    const phone = await peer();
    const session = await backend.hold({ callId: 'announce', remoteOffer: offerSdp(phone.port, '0') });
    await phone.waitFor(3);
    const from = phone.packets.length;
    const begun = performance.now();
    await session.announce('7');
    // 200 ms lead-in, ~0.9 s "parked on", one digit, 400 ms tail.
    expect(performance.now() - begun).toBeGreaterThan(1200);
    const prompt = phone.packets.slice(from).filter((p) => !isMusic(p));
    expect(prompt.length).toBeGreaterThan(55);
    await phone.waitFor(phone.packets.length + 5);
    expect(phone.packets.slice(-3).every(isMusic)).toBe(true);
  });

  it('forwards the worker log records to the main logger, with the session fields', async () => {
    const backend = start();
    const phone = await peer();
    const nat = await peer();
    const session = await backend.hold({ callId: 'latch-log', remoteOffer: offerSdp(phone.port, '0') });
    await nat.sendRtp(audioPort(session.localSdp));
    await nat.waitFor(2);
    const latched = records.find((r) => r.msg === 'RTP latched to its source');
    expect(latched).toMatchObject({ level: 30, callId: 'latch-log', from: `127.0.0.1:${nat.port}` });
    expect(typeof latched!['time']).toBe('number');
  });
});
