import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { MediaUnavailableError, NoCommonCodecError, type HoldRequest, type HoldSession, type MediaBackend } from '../types';
import { PCMA, PCMU, type Codec, type CodecName } from './codecs';
import { G722 } from './g722';
import { createLocalRtpHost } from './local-rtp-host';
import { PortPool, type PortRange } from './port-pool';
import type { RtpHost, StreamControl } from './rtp-host';
import { buildAnswer, buildOffer, negotiateAnswer, negotiateOffer, type OfferNegotiation } from './sdp';
import { EmbeddedHoldSession } from './session';
import { checkSoundFiles, defaultSoundFiles, type SoundFiles } from './sound-bank';
import { createWorkerRtpHost } from './worker-rtp-host';

/** Where RTP is sent from: a worker thread (default), or the main thread with the SIP work. */
export type RtpThread = 'worker' | 'main';

export const DEFAULT_RTP_THREAD: RtpThread = 'worker';

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
  /** Default DEFAULT_RTP_THREAD. `worker` needs the compiled worker (dist/), see worker-rtp-host.ts. */
  readonly rtpThread?: RtpThread;
  /** With `rtpThread: worker`: sees the worker once it is created (tests, diagnostics). */
  readonly onRtpWorker?: (worker: Worker) => void;
}

export interface EmbeddedMedia extends MediaBackend {
  readonly name: 'embedded';
  /**
   * Resolves once hold() can bind at once: the RTP worker is up and has encoded its sounds (at
   * once with rtpThread main). hold() waits for it anyway; start-up waits so the first parks do not.
   * Rejects with MediaUnavailableError when the worker died first.
   */
  ready(): Promise<void>;
}

const AVAILABLE_CODECS: ReadonlyMap<CodecName, Codec> = new Map([PCMU, PCMA, G722].map((codec) => [codec.name, codec]));
const BIND_ATTEMPTS = 5;

/**
 * The embedded RTP media engine. SDP negotiation, the port pool and the sessions' state live on
 * the calling thread; the RTP streams in an RtpHost (the RTP worker, or this thread). Every sound
 * is read here (and encoded where the streams run), so a bad WAV fails start-up with a message
 * naming the file (UnsupportedWavError).
 */
export function createEmbeddedMedia(options: EmbeddedMediaOptions): EmbeddedMedia {
  if (isIP(options.address) === 0) throw new TypeError(`media address must be an IP address, got "${options.address}"`);
  const log = options.log;
  const codecs = (options.codecs ?? [...AVAILABLE_CODECS.keys()]).map((name) => {
    const codec = AVAILABLE_CODECS.get(name);
    if (!codec) throw new TypeError(`media codec ${name} is not available (have ${[...AVAILABLE_CODECS.keys()].join(', ')})`);
    return codec;
  });
  if (codecs.length === 0) throw new TypeError('at least one media codec is required');
  const files: SoundFiles = { ...defaultSoundFiles(), ...options.sounds };
  const host = createHost(options, codecs, files);
  const pool = new PortPool(options.portRange);
  const sessions = new Set<EmbeddedHoldSession>();
  let stopped = false;

  async function openStream(request: HoldRequest): Promise<{ stream: StreamControl; port: number }> {
    for (let attempt = 1; ; attempt++) {
      const port = pool.acquire();
      try {
        return { stream: await host.open({ callId: request.callId, port, sound: request.sound ?? 'music' }), port };
      } catch (err) {
        pool.release(port);
        if (err instanceof MediaUnavailableError) throw err;
        // Someone else holds this port: it went to the end of the queue; try another.
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
    const { stream, port } = await openStream(request);
    if (stopped) {
      await stream.close();
      pool.release(port);
      throw new MediaUnavailableError('embedded media is stopped');
    }
    const local = { address: options.address, port, sessionId: String(randomInt(1, 2 ** 47)), sessionVersion: 1 };
    let sessionVersion = local.sessionVersion;
    const session = new EmbeddedHoldSession({
      stream,
      localSdp: negotiated ? buildAnswer(negotiated, local) : buildOffer(codecs, local),
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
    ready: () => host.ready(),
    async stop(): Promise<void> {
      stopped = true;
      await Promise.all([...sessions].map((session) => session.release()));
      await host.stop();
    },
  };
}

function createHost(options: EmbeddedMediaOptions, codecs: readonly Codec[], files: SoundFiles): RtpHost {
  const common = { address: options.address, files, log: options.log, pacerSpinMs: options.pacerSpinMs };
  if ((options.rtpThread ?? DEFAULT_RTP_THREAD) === 'main') return createLocalRtpHost({ ...common, codecs });
  // The worker reads and encodes the sounds itself; reading them here too makes a bad file fail now.
  checkSoundFiles(files);
  return createWorkerRtpHost({ ...common, codecs: codecs.map((codec) => codec.name), onWorker: options.onRtpWorker });
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
