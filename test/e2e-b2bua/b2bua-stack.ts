/**
 * callpark on loopback, wired as `callpark start` does (lamps, then the B2BUA in B2BUA mode, then
 * the park app) against the embedded engine, with the upstream "PBX" on a port chosen up front
 * so that each test can start its own SIPp PBX scenario there. `startServiceStack` is the same
 * without the B2BUA (park service mode).
 */
import path from 'node:path';
import pino from 'pino';
import type Srf from 'drachtio-srf';
import type { RunningEngineWithCore } from '../../src/engine';
import { createEmbeddedMedia, type EmbeddedMedia } from '../../src/media/embedded/embedded-media';
import { ParkService, type EndReason, type ParkPolicyInput, type RetrievalGuard } from '../../src/park';
import { createParkApp, type ParkApp } from '../../src/sip';
import type { ParkedLeg } from '../../src/sip/parked-leg';
import { installB2bua, type B2buaService } from '../../src/sip/b2bua';
import { installBlf, type BlfService } from '../../src/sip/blf';
import { freePort, freePortRange } from '../support/ports';
import { connectSrf, disconnectSrf } from '../support/srf-apps/connect';
import { SECRET, sipTarget, startTestEngine } from '../engine/conformance/harness';

export const B2BUA_SCENARIOS = path.join(__dirname, '..', 'sipp', 'b2bua');
export const BLF_SCENARIOS = path.join(__dirname, '..', 'sipp', 'blf');
/** The park-service scenarios (parked party, parker, retriever) of test/sipp. */
export const SERVICE_SCENARIOS = path.join(__dirname, '..', 'sipp');

export const SALES: ParkPolicyInput = { name: 'sales', allowCallPark: true, members: ['sip:1*@*'], pickupRangeStart: 701, pickupRangeEnd: 709 };

export interface B2buaStackOptions {
  readonly policies?: ParkPolicyInput[];
  readonly courtesyTone?: boolean;
  readonly connectedLine?: boolean;
  /** Hand legs parked by REFER to the park app (ring back, admin API). Default true. */
  readonly adoptParkedLegs?: boolean;
  /** The upstream's port when it is already listening (a softphone standing in for the PBX); default a free port. */
  readonly pbxPort?: number;
  /** One RetrievalGuard for the B2BUA and the park app, as start.ts wires it; default none. */
  readonly retrievalGuard?: RetrievalGuard;
}

export interface EndedPark {
  readonly orbit: number;
  readonly reason: EndReason;
  readonly at: number;
}

export interface ServiceStack {
  readonly engine: RunningEngineWithCore;
  readonly srf: Srf;
  readonly park: ParkService;
  readonly media: EmbeddedMedia;
  readonly blf: BlfService;
  readonly app: ParkApp;
  /** host:port of callpark's UDP listener. */
  readonly target: string;
  /** The port the upstream PBX (a SIPp UAS) must listen on. */
  readonly pbxPort: number;
  /** Every park that ended, in order. */
  readonly ended: EndedPark[];
  stop(): Promise<void>;
}

export interface B2buaStack extends ServiceStack {
  readonly b2bua: B2buaService;
}

export function startServiceStack(options: Omit<B2buaStackOptions, 'adoptParkedLegs'> = {}): Promise<ServiceStack> {
  return startStack(options, false);
}

export async function startB2buaStack(options: B2buaStackOptions = {}): Promise<B2buaStack> {
  const stack = await startStack(options, true);
  if (!stack.b2bua) throw new Error('B2BUA not installed');
  return { ...stack, b2bua: stack.b2bua };
}

async function startStack(options: B2buaStackOptions, withB2bua: boolean): Promise<ServiceStack & { b2bua?: B2buaService }> {
  const log = pino({ level: process.env.B2BUA_LOG ?? 'silent' });
  const engine = await startTestEngine();
  const srf = await connectSrf(engine.admin, SECRET);
  const park = new ParkService({ policies: options.policies ?? [SALES], log });
  const ended: EndedPark[] = [];
  park.on('ended', ({ call, reason }) => void ended.push({ orbit: call.orbit, reason, at: Date.now() }));
  const rtpStart = await freePortRange(40, 'udp');
  const media = createEmbeddedMedia({ address: '127.0.0.1', portRange: { min: rtpStart, max: rtpStart + 39 }, log });
  const pbxPort = options.pbxPort ?? (await freePort('udp'));
  const sip = { trustedPeers: [], connectedLine: options.connectedLine ?? true };
  const parkConfig = { extension: '700', notifyByMessage: false, courtesyTone: options.courtesyTone ?? false };
  const blf = installBlf({ srf, park, config: { sip, park: parkConfig }, log });
  // The park app is created after the B2BUA (middleware order), so adoption looks it up late.
  const late: { app?: ParkApp } = {};
  const b2bua = withB2bua
    ? installB2bua({
        srf,
        park,
        media,
        log,
        config: { upstream: `sip:127.0.0.1:${pbxPort}`, sip, park: parkConfig },
        adoptParkedLeg: (options.adoptParkedLegs ?? true) ? (leg: ParkedLeg) => late.app?.adoptParkedLeg(leg) : undefined,
        retrievalGuard: options.retrievalGuard,
      })
    : undefined;
  const app = createParkApp({ srf, park, media, log, config: { sip, park: parkConfig }, unreferredParkDelayMs: 8000, retrievalGuard: options.retrievalGuard });
  late.app = app;
  return {
    engine,
    srf,
    park,
    media,
    blf,
    b2bua,
    app,
    target: sipTarget(engine, 'udp'),
    pbxPort,
    ended,
    async stop() {
      await b2bua?.stop();
      await app.stop();
      await blf.stop();
      park.stop();
      await media.stop();
      await disconnectSrf(srf);
      await engine.close();
    },
  };
}

export async function until(probe: () => boolean, what: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
