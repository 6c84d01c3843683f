import Mrf from 'drachtio-fsmrf';
import { MediaUnavailableError, type HoldRequest, type MediaBackend } from '../types';
import { checkOffer, endpointCreationError } from './errors';
import { FreeswitchHoldSession } from './hold-session';
import { MediaServerConnection } from './media-server-connection';
import { DEFAULT_PROFILE, DEFAULT_SOUNDS, DEFAULT_TIMEOUTS, type AnchorMode, type FreeswitchMediaOptions, type FreeswitchSounds } from './options';

export interface FreeswitchMedia extends MediaBackend {
  readonly name: 'freeswitch';
  readonly anchor: AnchorMode;
  /** Like MediaBackend.hold, typed with the FreeSWITCH session (which can `anchor` a retriever). */
  hold(request: HoldRequest): Promise<FreeswitchHoldSession>;
  /** Resolves once the event socket is up and the SIP profile checked (connecting goes on in the background until then). */
  ready(): Promise<void>;
  /** Whether new hold sessions can be made now (for health checks). */
  connected(): boolean;
}

/**
 * The FreeSWITCH media backend (DESIGN §6) on drachtio-fsmrf 4.1.2. Each hold session is one
 * FreeSWITCH endpoint: a SIP dialog from the app's srf to the `drachtio_mrf` profile plus an
 * outbound event-socket connection that plays the sounds. Connecting starts at once and is retried
 * until stop(); hold() fails with MediaUnavailableError while FreeSWITCH is not connected.
 */
export function createFreeswitchMedia(options: FreeswitchMediaOptions): FreeswitchMedia {
  const log = options.log.child({ part: 'media', backend: 'freeswitch' });
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const sounds: FreeswitchSounds = { ...DEFAULT_SOUNDS, ...options.sounds };
  const anchor: AnchorMode = options.anchor ?? 'direct';
  const codecs = options.codecs && options.codecs.length > 0 ? [...options.codecs] : undefined;
  const connection = new MediaServerConnection({
    mrf: new Mrf(options.srf),
    connect: {
      address: options.host,
      port: options.port,
      secret: options.password,
      listenAddress: options.listenAddress ?? '127.0.0.1',
      listenPort: options.listenPort ?? 0,
      ...(options.advertisedAddress === undefined ? {} : { advertisedAddress: options.advertisedAddress }),
      profile: options.profile ?? DEFAULT_PROFILE,
    },
    connectTimeoutMs: timeouts.connectMs,
    retryMaxMs: timeouts.retryMaxMs,
    log,
  });
  const sessions = new Set<FreeswitchHoldSession>();
  let stopped = false;
  connection.start();

  async function createEndpoint(remoteSdp: string | undefined): Promise<Mrf.Endpoint> {
    const server = connection.current();
    if (stopped || !server) throw new MediaUnavailableError('FreeSWITCH is not connected');
    try {
      return await server.createEndpoint({ ...(remoteSdp === undefined ? {} : { remoteSdp }), ...(codecs ? { codecs: [...codecs] } : {}) });
    } catch (err) {
      throw endpointCreationError(err);
    }
  }

  async function hold(request: HoldRequest): Promise<FreeswitchHoldSession> {
    if (request.remoteOffer !== undefined) checkOffer(request.remoteOffer, codecs);
    const endpoint = await createEndpoint(request.remoteOffer);
    const sessionLog = log.child({ callId: request.callId, endpoint: endpoint.uuid });
    const session = new FreeswitchHoldSession({
      endpoint,
      createEndpoint: (offer) => createEndpoint(offer),
      sounds,
      timeouts,
      initialSound: request.sound ?? 'music',
      awaitingAnswer: request.remoteOffer === undefined,
      onReleased: (released) => sessions.delete(released),
      log: sessionLog,
    });
    sessions.add(session);
    if (stopped) {
      await session.release();
      throw new MediaUnavailableError('FreeSWITCH media is stopped');
    }
    sessionLog.debug('holding on FreeSWITCH');
    return session;
  }

  return {
    name: 'freeswitch',
    anchor,
    hold,
    ready: () => connection.whenReady(),
    connected: () => connection.current() !== undefined,
    activeSessions: () => sessions.size,
    async stop(): Promise<void> {
      stopped = true;
      await Promise.all([...sessions].map((session) => session.release()));
      await connection.stop();
    },
  };
}
