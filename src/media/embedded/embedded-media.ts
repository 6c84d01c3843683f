import { createSocket, type Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { MediaUnavailableError, NoCommonCodecError, type HoldRequest, type HoldSession, type MediaBackend } from '../types';
import { PCMA, PCMU, type Codec, type CodecName } from './codecs';
import { G722 } from './g722';
import { Pacer } from './pacer';
import { PortPool, type PortRange } from './port-pool';
import { buildAnswer, buildOffer, negotiateAnswer, negotiateOffer, type OfferNegotiation } from './sdp';
import { EmbeddedHoldSession } from './session';
import { defaultSoundFiles, loadSoundBank, type SoundFiles } from './sound-bank';

export interface EmbeddedMediaOptions {
  /** Local IPv4 or IPv6 address to bind RTP sockets to and to put in c= lines. */
  readonly address: string;
  readonly portRange: PortRange;
  /** Replace any of the shipped sounds with your own WAV files. */
  readonly sounds?: Partial<SoundFiles>;
  /** Codecs we accept and offer, in our offer's order (default PCMU, PCMA, G722). */
  readonly codecs?: readonly CodecName[];
  readonly log: Logger;
  /** See PacerOptions.spinMs: trade CPU for tighter packet timing (default 0: off). */
  readonly pacerSpinMs?: number;
}

export interface EmbeddedMedia extends MediaBackend {
  readonly name: 'embedded';
}

const AVAILABLE_CODECS: ReadonlyMap<CodecName, Codec> = new Map([PCMU, PCMA, G722].map((codec) => [codec.name, codec]));
const BIND_ATTEMPTS = 5;

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
 * The embedded RTP media engine. Reads and encodes every sound once, here, so a bad WAV fails
 * start-up with a message naming the file (UnsupportedWavError).
 */
export function createEmbeddedMedia(options: EmbeddedMediaOptions): EmbeddedMedia {
  const family = isIP(options.address);
  if (family === 0) throw new TypeError(`media address must be an IP address, got "${options.address}"`);
  const log = options.log;
  const codecs = (options.codecs ?? [...AVAILABLE_CODECS.keys()]).map((name) => {
    const codec = AVAILABLE_CODECS.get(name);
    if (!codec) throw new TypeError(`media codec ${name} is not available (have ${[...AVAILABLE_CODECS.keys()].join(', ')})`);
    return codec;
  });
  if (codecs.length === 0) throw new TypeError('at least one media codec is required');
  const files: SoundFiles = { ...defaultSoundFiles(), ...options.sounds };
  const sounds = loadSoundBank(files, codecs, log);
  const pool = new PortPool(options.portRange);
  const pacer = new Pacer({ log, spinMs: options.pacerSpinMs });
  const sessions = new Set<EmbeddedHoldSession>();
  let stopped = false;

  async function bindSocket(): Promise<{ socket: Socket; port: number }> {
    for (let attempt = 1; ; attempt++) {
      const port = pool.acquire();
      const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', ipv6Only: family === 6, lookup: literalLookup });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind(port, options.address, () => {
            socket.off('error', reject);
            resolve();
          });
        });
        return { socket, port };
      } catch (err) {
        socket.close();
        // Someone else holds this port: give it back (it goes to the end of the queue) and try another.
        pool.release(port);
        log.warn({ err, port }, 'cannot bind RTP port');
        if (attempt >= BIND_ATTEMPTS) throw new MediaUnavailableError(`cannot bind an RTP port on ${options.address}`);
      }
    }
  }

  async function hold(request: HoldRequest): Promise<HoldSession> {
    if (stopped) throw new MediaUnavailableError('embedded media is stopped');
    const sessionLog = log.child({ callId: request.callId });
    // Negotiate before taking a port, so a bad offer costs nothing.
    const negotiated = request.remoteOffer !== undefined ? negotiateOffer(request.remoteOffer, codecs, options.address) : undefined;
    const { socket, port } = await bindSocket();
    if (stopped) {
      socket.close();
      pool.release(port);
      throw new MediaUnavailableError('embedded media is stopped');
    }
    const local = { address: options.address, port, sessionId: String(randomInt(1, 2 ** 47)), sessionVersion: 1 };
    let sessionVersion = local.sessionVersion;
    const session = new EmbeddedHoldSession({
      callId: request.callId,
      socket,
      localSdp: negotiated ? buildAnswer(negotiated, local) : buildOffer(codecs, local),
      pacer,
      sounds,
      sound: request.sound ?? 'music',
      log: sessionLog,
      offeredCodecs: negotiated ? undefined : codecs,
      negotiateAnswer: (answer) => negotiateAnswer(answer, codecs, options.address),
      answerReoffer: (offer, keep) => {
        const reoffered = reofferNegotiation(offer, codecs, keep, options.address);
        sessionVersion += 1;
        return { negotiated: reoffered, answer: buildAnswer(reoffered, { ...local, sessionVersion }) };
      },
      onReleased: (released) => {
        sessions.delete(released);
        pool.release(port);
      },
    });
    sessions.add(session);
    if (negotiated) session.start(negotiated);
    sessionLog.debug({ port, codec: negotiated?.codec.name }, 'hold session created');
    return session;
  }

  return {
    name: 'embedded',
    hold,
    activeSessions: () => sessions.size,
    async stop(): Promise<void> {
      stopped = true;
      await Promise.all([...sessions].map((session) => session.release()));
      pacer.stop();
    },
  };
}

/** Negotiate a new offer, keeping the codec in use when the offer still has it. */
function reofferNegotiation(offer: string, codecs: readonly Codec[], keep: Codec | undefined, address: string): OfferNegotiation {
  if (keep) {
    try {
      return negotiateOffer(offer, [keep], address);
    } catch (err) {
      if (!(err instanceof NoCommonCodecError)) throw err;
    }
  }
  return negotiateOffer(offer, codecs, address);
}
