import type Srf from 'drachtio-srf';
import type pino from 'pino';
import type { MediaConfig } from '../config';
import { createEmbeddedMedia } from '../media/embedded';
import { createFreeswitchMedia } from '../media/freeswitch';
import type { MediaBackend } from '../media/types';

export interface CreatedMedia {
  readonly backend: MediaBackend;
  /**
   * Embedded: resolves when the RTP worker is up (start-up waits, so the first parks do not).
   * FreeSWITCH: resolved at once, since it is not waited for.
   */
  readonly started: Promise<void>;
}

/**
 * The media backend the config names. FreeSWITCH endpoints are SIP dialogs from the app's srf, so
 * it needs `srf`. It is not waited for: it connects in the background (retrying), parks get 503
 * until it is up, and `onFreeswitchReady` runs when it is (docs/configuration.md, `media`).
 */
export function createMediaBackend(options: {
  config: MediaConfig;
  srf: Srf;
  log: pino.Logger;
  onFreeswitchReady?: () => void;
}): CreatedMedia {
  const { config, log } = options;
  if (config.backend === 'embedded') {
    const embedded = createEmbeddedMedia({
      address: config.address,
      portRange: { min: config.rtpPorts.start, max: config.rtpPorts.end },
      sounds: config.sounds,
      rtpThread: config.rtpThread,
      log: log.child({ part: 'media' }),
    });
    return { backend: embedded, started: embedded.ready() };
  }
  const freeswitch = config.freeswitch;
  // The schema requires media.freeswitch with backend freeswitch; this guards a hand-made Config.
  if (freeswitch === undefined) throw new TypeError('media.freeswitch is required when media.backend is freeswitch');
  const media = createFreeswitchMedia({
    srf: options.srf,
    host: freeswitch.host,
    port: freeswitch.port,
    password: freeswitch.password,
    listenAddress: freeswitch.listenAddress,
    profile: freeswitch.profile,
    anchor: config.anchor,
    sounds: { dir: freeswitch.soundsDir, music: freeswitch.music },
    log,
    ...(freeswitch.listenPort === undefined ? {} : { listenPort: freeswitch.listenPort }),
    ...(freeswitch.advertisedAddress === undefined ? {} : { advertisedAddress: freeswitch.advertisedAddress }),
  });
  if (!media.connected()) {
    log.warn({ freeswitch: `${freeswitch.host}:${freeswitch.port}` }, 'waiting for FreeSWITCH: parks get 503 until it is connected');
  }
  media
    .ready()
    .then(() => options.onFreeswitchReady?.())
    .catch((err: unknown) => log.error({ err }, 'waiting for FreeSWITCH failed'));
  return { backend: media, started: Promise.resolve() };
}
