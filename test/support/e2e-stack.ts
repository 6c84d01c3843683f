/**
 * The park service for end-to-end tests: a drachtio-srf connected to a SIP engine, the park
 * domain, a media backend and the park app. Which engine and media (test/support/backends.ts):
 * - engine: the embedded one in-process on OS-chosen loopback ports, or, with
 *   CALLPARK_TEST_DRACHTIO=host:port:secret, a drachtio-server (or `callpark engine`) already running;
 * - media: the embedded RTP engine, or, with CALLPARK_TEST_FREESWITCH=host:port:password, FreeSWITCH.
 * Every park e2e test starts its service here, so the same tests run in every combination.
 */
import path from 'node:path';
import pino, { type Logger } from 'pino';
import Srf from 'drachtio-srf';
import { startEngine, type RunningEngineWithCore } from '../../src/engine';
import { createEmbeddedMedia } from '../../src/media/embedded/embedded-media';
import { createFreeswitchMedia } from '../../src/media/freeswitch';
import type { MediaBackend } from '../../src/media/types';
import { ParkService, RetrievalGuard, type ParkPolicyInput } from '../../src/park';
import { createParkApp, type ParkApp, type ParkAppConfig } from '../../src/sip';
import { testAddresses, testBackends, type MediaTarget, type TestBackends } from './backends';
import { freePortRange } from './ports';

export const SCENARIOS = path.join(__dirname, '..', 'sipp');
const EMBEDDED_SECRET = 'e2e-secret';
const CONNECT_TIMEOUT_MS = 5000;
const FREESWITCH_READY_TIMEOUT_MS = 15000;

export const BACKENDS: TestBackends = testBackends();
const ADDRESSES = testAddresses();
/** The address SIPp peers, RTP probes and phones bind (CALLPARK_TEST_PEER_ADDRESS, default 127.0.0.1). */
export const PEER = ADDRESSES.peer;
/** A second source address that is not a trusted peer (CALLPARK_TEST_OTHER_PEER_ADDRESS, default 127.0.0.2). */
export const OTHER_PEER = ADDRESSES.otherPeer;

export class StackStartError extends Error {
  override readonly name = 'StackStartError';
}

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

/** The SIP engine under the app: the embedded one (whose internals tests may count) or a remote one. */
export type StackEngine = { readonly kind: 'embedded'; readonly running: RunningEngineWithCore } | { readonly kind: 'drachtio-server' };

export interface ParkStack {
  engine: StackEngine;
  srf: Srf;
  park: ParkService;
  media: MediaBackend;
  app: ParkApp;
  /** host:port of the engine's UDP SIP listener: where SIPp sends. */
  target: string;
  /** The host part of `target` (what the engine puts for `localhost` in From/Contact). */
  sipHost: string;
  /** Every JSON log line of the app, the domain and the media. */
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** `/32` (or `/128`) of the peer address, for `sip.trustedPeers`. */
export function hostPrefix(address: string): string {
  return `${address}/${address.includes(':') ? 128 : 32}`;
}

/** A regular expression matching `text` literally. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface ConnectedSrf {
  srf: Srf;
  /** drachtio's public hostports, e.g. `udp/10.0.0.5:5060,tcp/10.0.0.5:5060`. */
  hostports: string;
}

async function connectSrf(admin: { host: string; port: number; secret: string }): Promise<ConnectedSrf> {
  const srf = new Srf();
  srf.on('error', () => undefined);
  try {
    const hostports = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new StackStartError(`srf did not connect to ${admin.host}:${admin.port} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      srf.on('connect', (err: Error | null, hostport?: string) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(hostport ?? '');
      });
      void srf.connect({ host: admin.host, port: admin.port, secret: admin.secret });
    });
    return { srf, hostports };
  } catch (err) {
    srf.disconnect();
    throw err;
  }
}

/**
 * The UDP SIP address out of drachtio's hostports. An engine bound to a wildcard address is
 * reached at the host its admin socket was reached at.
 */
export function udpSipAddress(hostports: string, adminHost: string): { host: string; port: number } {
  for (const entry of hostports.split(',')) {
    const match = /^udp\/(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry.trim());
    if (!match) continue;
    const host = match[1]!.replace(/^\[(.*)\]$/, '$1');
    const wildcard = host === '0.0.0.0' || host === '::';
    return { host: wildcard ? adminHost : host, port: Number(match[2]) };
  }
  throw new StackStartError(`the engine lists no UDP SIP listener (hostports "${hostports}")`);
}

function formatTarget(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

interface EngineSide {
  engine: StackEngine;
  srf: Srf;
  sipHost: string;
  sipPort: number;
  close(): Promise<void>;
}

async function startEngineSide(): Promise<EngineSide> {
  const target = BACKENDS.engine;
  if (target.kind === 'drachtio-server') {
    const { srf, hostports } = await connectSrf({ host: target.host, port: target.port, secret: target.secret });
    const sip = udpSipAddress(hostports, target.host);
    return { engine: { kind: 'drachtio-server' }, srf, sipHost: sip.host, sipPort: sip.port, close: async () => srf.disconnect() };
  }
  const running = await startEngine({
    sip: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }],
    admin: { host: '127.0.0.1', port: 0 },
    secret: EMBEDDED_SECRET,
    timers: { T1: 100, T2: 400, T4: 500 },
    log: pino({ level: process.env.ENGINE_LOG ?? 'silent' }),
  });
  try {
    const { srf } = await connectSrf({ ...running.admin, secret: EMBEDDED_SECRET });
    const udp = running.sip.find((spec) => spec.protocol === 'udp')!;
    return {
      engine: { kind: 'embedded', running },
      srf,
      sipHost: udp.host,
      sipPort: udp.port,
      async close() {
        srf.disconnect();
        await running.close();
      },
    };
  } catch (err) {
    await running.close();
    throw err;
  }
}

async function startMedia(target: MediaTarget, srf: Srf, log: Logger): Promise<MediaBackend> {
  if (target.kind === 'embedded') {
    const rtpStart = await freePortRange(40, 'udp');
    return createEmbeddedMedia({ address: '127.0.0.1', portRange: { min: rtpStart, max: rtpStart + 39 }, log });
  }
  const media = createFreeswitchMedia({
    srf,
    host: target.host,
    port: target.port,
    password: target.password,
    listenAddress: ADDRESSES.listen,
    // The SIPp offers list PCMU first and the RTP checks expect it, as the embedded media answers.
    codecs: ['PCMU', 'PCMA'],
    log,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      media.ready(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StackStartError(`FreeSWITCH at ${target.host}:${target.port} not ready within ${FREESWITCH_READY_TIMEOUT_MS} ms`)),
          FREESWITCH_READY_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (err) {
    await media.stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return media;
}

function recordingLogger(logs: Array<Record<string, unknown>>): Logger {
  return pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        logs.push(JSON.parse(line) as Record<string, unknown>);
        if (process.env.E2E_LOG) process.stderr.write(line);
      },
    },
  );
}

export async function startParkStack(options: ParkStackOptions): Promise<ParkStack> {
  const logs: Array<Record<string, unknown>> = [];
  const log = recordingLogger(logs);
  const side = await startEngineSide();
  let media: MediaBackend;
  try {
    media = await startMedia(BACKENDS.media, side.srf, log);
  } catch (err) {
    await side.close();
    throw err;
  }
  const park = new ParkService({ policies: options.policies, log, reservationTimeout: options.reservationTimeout });
  const config: ParkAppConfig = {
    sip: { trustedPeers: options.trustedPeers ?? [], outboundProxy: options.outboundProxy },
    park: { extension: '700', notifyByMessage: options.notifyByMessage ?? false },
  };
  const app = createParkApp({
    srf: side.srf,
    config,
    park,
    media: options.holdDelayMs === undefined ? media : withSlowHold(media, options.holdDelayMs),
    log,
    unreferredParkDelayMs: options.unreferredParkDelayMs,
    retrievalGuard: options.retrievalGuard ? new RetrievalGuard() : undefined,
  });
  return {
    engine: side.engine,
    srf: side.srf,
    park,
    media,
    app,
    target: formatTarget(side.sipHost, side.sipPort),
    sipHost: side.sipHost,
    logs,
    async stop() {
      await app.stop();
      park.stop();
      await media.stop();
      await side.close();
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

export interface EngineIdleOptions {
  /**
   * Also require no client transactions (default true). A canceled INVITE keeps its client
   * transaction for Timer D (32 s on UDP, RFC 3261 §17.1.1.2), so tests that cancel one say false.
   */
  clientTransactions?: boolean;
}

export class EngineNotIdleError extends Error {
  override readonly name = 'EngineNotIdleError';
}

/**
 * Waits until the engine holds no dialogs and no transactions; throws EngineNotIdleError (with the
 * counts) when it still does after 15 s. Only the embedded engine can be counted: a drachtio-server
 * exposes no such figures to its apps, so with CALLPARK_TEST_DRACHTIO set this check has nothing to
 * look at, and the leak checks rest on the app's and the park domain's counts, which every test
 * asserts in both modes.
 */
export async function assertEngineIdle(stack: ParkStack, options: EngineIdleOptions = {}): Promise<void> {
  if (stack.engine.kind !== 'embedded') return;
  const { running } = stack.engine;
  const withClients = options.clientTransactions ?? true;
  const stats = await waitFor(
    () => running.stats(),
    (s) => s.dialogs === 0 && s.serverTransactions === 0 && (!withClients || s.clientTransactions === 0),
    15000,
  );
  if (stats.dialogs !== 0 || stats.serverTransactions !== 0 || (withClients && stats.clientTransactions !== 0)) {
    throw new EngineNotIdleError(`the embedded engine still holds ${JSON.stringify(stats)}`);
  }
}
