/**
 * A park service for load tests: the embedded engine and media in-process on OS-chosen loopback
 * ports, the park app with the admission limits and event-loop probe a test chooses, and media
 * whose hold() can be slowed so that calls pile up in set-up.
 */
import pino from 'pino';
import Srf from 'drachtio-srf';
import { startEngine } from '../../src/engine';
import { createEmbeddedMedia } from '../../src/media/embedded/embedded-media';
import type { MediaBackend } from '../../src/media/types';
import { ParkService, type ParkPolicyInput } from '../../src/park';
import { createParkApp, type ParkApp } from '../../src/sip';
import type { AdmissionLimits, EventLoopDelayProbe } from '../../src/sip/admission';
import { freePortRange } from '../support/ports';

const SECRET = 'load-secret';

export interface LoadStackOptions {
  policies: ParkPolicyInput[];
  admissionLimits: Partial<AdmissionLimits>;
  eventLoopDelay: EventLoopDelayProbe;
  /** Delay every media.hold() by this much. */
  holdDelayMs?: number;
}

export interface LoadStack {
  app: ParkApp;
  park: ParkService;
  /** The engine's UDP SIP address. */
  host: string;
  port: number;
  stop(): Promise<void>;
}

/** An event-loop probe reporting whatever delay a test sets. */
export class FixedDelayProbe implements EventLoopDelayProbe {
  constructor(public current = 0) {}
  delayMs(): number {
    return this.current;
  }
  stop(): void {}
}

function slowed(media: MediaBackend, delayMs: number): MediaBackend {
  return {
    name: media.name,
    activeSessions: () => media.activeSessions(),
    stop: () => media.stop(),
    hold: async (request) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return media.hold(request);
    },
  };
}

async function connect(srf: Srf, admin: { host: string; port: number }): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('srf did not connect within 5 s')), 5000);
    srf.on('connect', (err: Error | null) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
    void srf.connect({ host: admin.host, port: admin.port, secret: SECRET });
  });
}

export async function startLoadStack(options: LoadStackOptions): Promise<LoadStack> {
  const log = pino({ level: process.env.E2E_LOG ? 'debug' : 'silent' });
  const engine = await startEngine({
    sip: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }],
    admin: { host: '127.0.0.1', port: 0 },
    secret: SECRET,
    timers: { T1: 100, T2: 400, T4: 500 },
    log,
  });
  const srf = new Srf();
  srf.on('error', () => undefined);
  try {
    await connect(srf, engine.admin);
  } catch (err) {
    srf.disconnect();
    await engine.close();
    throw err;
  }
  const rtpStart = await freePortRange(100, 'udp');
  const media = createEmbeddedMedia({ address: '127.0.0.1', portRange: { min: rtpStart, max: rtpStart + 99 }, log });
  const park = new ParkService({ policies: options.policies, log });
  const app = createParkApp({
    srf,
    config: { sip: { trustedPeers: [] }, park: { extension: '700', notifyByMessage: false } },
    park,
    media: options.holdDelayMs === undefined ? media : slowed(media, options.holdDelayMs),
    log,
    admissionLimits: options.admissionLimits,
    eventLoopDelay: options.eventLoopDelay,
  });
  const udp = engine.sip.find((spec) => spec.protocol === 'udp')!;
  return {
    app,
    park,
    host: udp.host,
    port: udp.port,
    async stop() {
      await app.stop();
      park.stop();
      await media.stop();
      srf.disconnect();
      await engine.close();
    },
  };
}
