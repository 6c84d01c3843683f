/**
 * B2BUA pass-through benchmark: SIPp's built-in `uac` calls through callpark in B2BUA mode to
 * SIPp's built-in `uas` as the upstream (INVITE, 200, ACK, BYE on both legs), at fixed rates.
 * callpark runs in this process (embedded engine, drachtio-srf, installB2bua), so the CPU figure
 * is engine + app together. Figures are printed, never asserted.
 */
import pino from 'pino';
import Srf from 'drachtio-srf';
import { startEngine, type RunningEngineWithCore } from '../src/engine';
import { createEmbeddedMedia } from '../src/media/embedded/embedded-media';
import { ParkService, type ParkPolicyInput } from '../src/park';
import { installB2bua } from '../src/sip/b2bua';
import { freePort, freePortRange } from '../test/support/ports';
import { runSipp, startSipp } from '../test/support/sipp';
import { round } from './lib/stats';
import { markdownTable } from './lib/table';

export const DEFAULT_B2BUA_RATES = [50, 100, 200];
const SECRET = 'bench-secret';
const SIPP_BUFF_SIZE = 4194304;

export interface InProcessSrf {
  readonly engine: RunningEngineWithCore;
  readonly srf: Srf;
  /** host:port of the UDP listener. */
  readonly target: string;
  close(): Promise<void>;
}

/** The embedded engine on loopback (OS-chosen ports) with a connected drachtio-srf. */
export async function startInProcessSrf(): Promise<InProcessSrf> {
  const engine = await startEngine({
    sip: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }],
    admin: { host: '127.0.0.1', port: 0 },
    secret: SECRET,
    log: pino({ level: 'silent' }),
  });
  const srf = new Srf();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('srf did not connect within 5 s')), 5000);
    srf.on('connect', (err: Error | undefined) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
    srf.on('error', () => undefined);
    void srf.connect({ host: engine.admin.host, port: engine.admin.port, secret: SECRET });
  });
  const udp = engine.sip.find((spec) => spec.protocol === 'udp');
  if (!udp) throw new Error('engine has no UDP listener');
  return {
    engine,
    srf,
    target: `${udp.host}:${udp.port}`,
    async close() {
      srf.disconnect();
      await engine.close();
    },
  };
}

export interface B2buaStepFigures {
  readonly rate: number;
  readonly attempted: number;
  readonly successful: number;
  readonly failed: number;
  /** Successful calls divided by the SIPp run's wall time. */
  readonly callsPerSecond: number;
  /** CPU (user + system) of this process per bridged call. */
  readonly cpuMsPerCall: number;
  readonly command: string;
}

export interface B2buaBenchResult {
  readonly steps: B2buaStepFigures[];
}

export interface B2buaBenchOptions {
  readonly rates: number[];
  readonly stepSeconds: number;
  readonly log: (line: string) => void;
}

const POLICY: ParkPolicyInput = { name: 'bench', allowCallPark: true, members: ['sip:*@*'], pickupRangeStart: 701, pickupRangeEnd: 709 };

export async function runB2buaBench(options: B2buaBenchOptions): Promise<B2buaBenchResult> {
  const log = pino({ level: 'silent' });
  const sip = await startInProcessSrf();
  const park = new ParkService({ policies: [POLICY], log });
  const rtpStart = await freePortRange(10, 'udp');
  const media = createEmbeddedMedia({ address: '127.0.0.1', portRange: { min: rtpStart, max: rtpStart + 9 }, log });
  const upstreamPort = await freePort('udp');
  const b2bua = installB2bua({
    srf: sip.srf,
    park,
    media,
    log,
    config: { upstream: `sip:127.0.0.1:${upstreamPort}`, sip: { trustedPeers: [] }, park: { extension: '700' } },
  });
  const upstream = await startSipp({ scenario: 'uas', localPort: upstreamPort, timeoutSeconds: 3600, traceMessages: false, buffSize: SIPP_BUFF_SIZE });
  const steps: B2buaStepFigures[] = [];
  try {
    for (const rate of options.rates) {
      const attempted = rate * options.stepSeconds;
      options.log(`b2bua: ${attempted} calls at ${rate}/s through callpark to a SIPp uas`);
      const cpuBefore = process.cpuUsage();
      const result = await runSipp({
        scenario: 'uac',
        remote: sip.target,
        service: '2000',
        callRate: rate,
        totalCalls: attempted,
        concurrentLimit: rate * 4,
        timeoutSeconds: options.stepSeconds + 60,
        traceMessages: false,
        buffSize: SIPP_BUFF_SIZE,
      });
      const cpu = process.cpuUsage(cpuBefore);
      const successful = result.stats?.successful ?? 0;
      steps.push({
        rate,
        attempted,
        successful,
        failed: result.stats?.failed ?? attempted - successful,
        callsPerSecond: round(successful / (result.elapsedMs / 1000), 1),
        cpuMsPerCall: successful > 0 ? round((cpu.user + cpu.system) / 1000 / successful, 2) : 0,
        command: result.command.join(' '),
      });
      // Let BYEs and transactions drain before the next step.
      const deadline = Date.now() + 40_000;
      while (b2bua.counts().calls > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await upstream.kill();
    await b2bua.stop();
    park.stop();
    await media.stop();
    await sip.close();
  }
  return { steps };
}

export function formatB2buaBench(result: B2buaBenchResult): string {
  const rows = result.steps.map((step) => [
    String(step.rate),
    String(step.attempted),
    String(step.successful),
    String(step.failed),
    String(step.callsPerSecond),
    String(step.cpuMsPerCall),
  ]);
  const table = markdownTable(['offered calls/s', 'attempted', 'successful', 'failed', 'achieved calls/s', 'CPU ms/call (engine+app)'], rows);
  const command = result.steps[0]?.command ?? '';
  return `${table}\n\nFirst step's SIPp command: \`${command}\``;
}

export function summarizeB2buaBench(result: B2buaBenchResult): string[][] {
  const clean = result.steps.filter((step) => step.failed === 0);
  const best = clean.reduce<B2buaStepFigures | undefined>((top, step) => (top === undefined || step.callsPerSecond > top.callsPerSecond ? step : top), undefined);
  return [['B2BUA pass-through calls/s without failures', best ? String(best.callsPerSecond) : 'none clean', '-', 'SIPp uac → callpark → SIPp uas']];
}
