/**
 * The whole service on loopback: the embedded engine on OS-chosen ports, a real drachtio-srf
 * connected to it, the park domain, the embedded media and the park app.
 */
import path from 'node:path';
import pino from 'pino';
import Srf from 'drachtio-srf';
import { startEngine, type RunningEngineWithCore } from '../../src/engine';
import { createEmbeddedMedia, type EmbeddedMedia } from '../../src/media/embedded/embedded-media';
import type { MediaBackend } from '../../src/media/types';
import { ParkService, RetrievalGuard, type ParkPolicyInput } from '../../src/park';
import { createParkApp, type ParkApp, type ParkAppConfig } from '../../src/sip';
import { freePortRange } from '../support/ports';

export const SCENARIOS = path.join(__dirname, '..', 'sipp');
const SECRET = 'e2e-secret';

export interface ParkStackOptions {
  policies: ParkPolicyInput[];
  trustedPeers?: string[];
  outboundProxy?: string;
  notifyByMessage?: boolean;
  reservationTimeout?: number;
  /** See ParkAppDeps.unreferredParkDelayMs. */
  unreferredParkDelayMs?: number;
  /** Delay every media.hold() by this much, so that a CANCEL can arrive during set-up. */
  holdDelayMs?: number;
  /** Limit failed retrievals with a RetrievalGuard (default limits). */
  retrievalGuard?: boolean;
}

export interface ParkStack {
  engine: RunningEngineWithCore;
  srf: Srf;
  park: ParkService;
  media: EmbeddedMedia;
  app: ParkApp;
  /** host:port of the UDP SIP listener. */
  target: string;
  /** Every JSON log line of the app and the domain. */
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

async function connectSrf(admin: { host: string; port: number }): Promise<Srf> {
  const srf = new Srf();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('srf did not connect within 5 s')), 5000);
    srf.on('connect', (err: Error) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
    srf.on('error', () => undefined);
    void srf.connect({ host: admin.host, port: admin.port, secret: SECRET });
  });
  return srf;
}

export async function startParkStack(options: ParkStackOptions): Promise<ParkStack> {
  const logs: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (process.env.E2E_LOG) process.stderr.write(line);
      },
    },
  );
  const engine = await startEngine({
    sip: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }],
    admin: { host: '127.0.0.1', port: 0 },
    secret: SECRET,
    timers: { T1: 100, T2: 400, T4: 500 },
    log: pino({ level: process.env.ENGINE_LOG ?? 'silent' }),
  });
  const srf = await connectSrf(engine.admin);
  const park = new ParkService({ policies: options.policies, log, reservationTimeout: options.reservationTimeout });
  const rtpStart = await freePortRange(40, 'udp');
  const media = createEmbeddedMedia({ address: '127.0.0.1', portRange: { min: rtpStart, max: rtpStart + 39 }, log });
  const config: ParkAppConfig = {
    sip: { trustedPeers: options.trustedPeers ?? [], outboundProxy: options.outboundProxy },
    park: { extension: '700', notifyByMessage: options.notifyByMessage ?? false },
  };
  const appMedia = options.holdDelayMs === undefined ? media : withSlowHold(media, options.holdDelayMs);
  const app = createParkApp({
    srf,
    config,
    park,
    media: appMedia,
    log,
    unreferredParkDelayMs: options.unreferredParkDelayMs,
    retrievalGuard: options.retrievalGuard ? new RetrievalGuard() : undefined,
  });
  const udp = engine.sip.find((spec) => spec.protocol === 'udp')!;
  return {
    engine,
    srf,
    park,
    media,
    app,
    target: `${udp.host}:${udp.port}`,
    logs,
    async stop() {
      await app.stop();
      park.stop();
      await media.stop();
      srf.disconnect();
      await engine.close();
    },
  };
}

function withSlowHold(media: MediaBackend, delayMs: number): MediaBackend {
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

/** Poll `probe` until it holds or the time is up; returns the last value. */
export async function waitFor<T>(probe: () => T, done: (value: T) => boolean, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = probe();
  }
  return value;
}
