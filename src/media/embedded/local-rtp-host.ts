import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { MediaUnavailableError } from '../types';
import type { Codec } from './codecs';
import { Pacer } from './pacer';
import type { OpenRequest, RtpHost, StreamControl } from './rtp-host';
import { RtpStream } from './rtp-stream';
import { loadSoundBank, type SoundFiles } from './sound-bank';

export interface LocalRtpHostOptions {
  /** IPv4 or IPv6 literal to bind to. */
  readonly address: string;
  readonly codecs: readonly Codec[];
  readonly files: SoundFiles;
  readonly log: Logger;
  readonly pacerSpinMs?: number;
}

/**
 * RTP sockets only ever see IP literals (host names in SDP are resolved once per session), so
 * skip dns.lookup and its extra tick on every one of the 50 sends per second per call.
 */
function literalLookup(address: string, _options: unknown, callback: (err: Error | null, address: string, family: number) => void): void {
  const family = isIP(address);
  if (family === 0) callback(new TypeError(`RTP destination must be an IP address, got "${address}"`), address, 4);
  else callback(null, address, family);
}

/**
 * Runs RTP streams on the calling thread: the main thread (`media.rtpThread: main`) or the RTP
 * worker. Reads and encodes every sound once, here, so a bad WAV throws UnsupportedWavError
 * (naming the file) when the host is created.
 */
export function createLocalRtpHost(options: LocalRtpHostOptions): RtpHost {
  const family = isIP(options.address);
  if (family === 0) throw new TypeError(`media address must be an IP address, got "${options.address}"`);
  const { log } = options;
  const sounds = loadSoundBank(options.files, options.codecs, log);
  const pacer = new Pacer({ log, spinMs: options.pacerSpinMs });
  const streams = new Set<RtpStream>();
  let stopped = false;

  async function bind(port: number): Promise<Socket> {
    const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6, lookup: literalLookup });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, options.address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      return socket;
    } catch (err) {
      socket.close();
      throw err;
    }
  }

  return {
    async open(request: OpenRequest): Promise<StreamControl> {
      if (stopped) throw new MediaUnavailableError('embedded media is stopped');
      const socket = await bind(request.port);
      const stream = new RtpStream({
        socket,
        pacer,
        sounds,
        sound: request.sound,
        log: log.child({ callId: request.callId }),
        onClosed: (closed) => streams.delete(closed),
      });
      streams.add(stream);
      return stream;
    },
    ready: () => Promise.resolve(),
    async stop(): Promise<void> {
      stopped = true;
      await Promise.all([...streams].map((stream) => stream.close()));
      pacer.stop();
    },
  };
}
