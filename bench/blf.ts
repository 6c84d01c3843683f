/**
 * BLF fan-out benchmark: N SIPp busy-lamp subscribers (test/sipp/blf/blf-watch.xml) on one orbit,
 * then the orbit is parked and freed repeatedly; each change NOTIFYs every subscriber, and the
 * time until every NOTIFY is answered gives NOTIFYs/s. callpark's lamps run in this process
 * (embedded engine, drachtio-srf, installBlf). Figures are printed, never asserted.
 */
import path from 'node:path';
import pino from 'pino';
import { ParkService } from '../src/park';
import { installBlf } from '../src/sip/blf';
import { startSipp } from '../test/support/sipp';
import { startInProcessSrf } from './b2bua';
import { REPO_ROOT } from './lib/paths';
import { percentile, round } from './lib/stats';
import { markdownTable } from './lib/table';

export const DEFAULT_BLF_SUBSCRIBERS = 500;
export const DEFAULT_BLF_CHANGES = 20;
const WATCH_SCENARIO = path.join(REPO_ROOT, 'test/sipp/blf/blf-watch.xml');

export interface BlfBenchOptions {
  readonly subscribers: number;
  /** Lamp changes (park, then free, alternately). */
  readonly changes: number;
  readonly log: (line: string) => void;
}

export interface BlfBenchResult {
  readonly subscribers: number;
  readonly changes: number;
  /** Time from a change to the last answered NOTIFY of its fan-out, ms. */
  readonly fanOutMs: number[];
  readonly notifiesPerSecond: number;
  readonly cpuMsPerNotify: number;
  readonly subscribeSeconds: number;
}

async function until(probe: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function runBlfBench(options: BlfBenchOptions): Promise<BlfBenchResult> {
  const log = pino({ level: 'silent' });
  const sip = await startInProcessSrf();
  const park = new ParkService({ policies: [{ name: 'bench', allowCallPark: true, members: ['sip:*@*'], pickupRangeStart: 701, pickupRangeEnd: 709 }], log });
  const blf = installBlf({ srf: sip.srf, park, config: { sip: { trustedPeers: [] }, park: { extension: '700' } }, log });
  const rows = Array.from({ length: options.subscribers }, (_, i) => [`u${i + 1}`]);
  options.log(`blf: ${options.subscribers} subscribers on 701, ${options.changes} lamp changes`);
  const started = Date.now();
  const watchers = await startSipp({
    scenario: WATCH_SCENARIO,
    remote: sip.target,
    service: '701',
    injection: { order: 'SEQUENTIAL', rows },
    keys: { expires: '3600' },
    totalCalls: options.subscribers,
    concurrentLimit: options.subscribers,
    callRate: 200,
    timeoutSeconds: 600,
    traceMessages: false,
    buffSize: 4194304,
  });
  const fanOutMs: number[] = [];
  try {
    await until(() => blf.counts().subscriptions === options.subscribers, 'every subscription', 60_000);
    await blf.idle();
    const subscribeSeconds = (Date.now() - started) / 1000;
    const cpuBefore = process.cpuUsage();
    const runStart = process.hrtime.bigint();
    let parkedId: string | undefined;
    for (let change = 0; change < options.changes; change += 1) {
      const t0 = process.hrtime.bigint();
      if (parkedId === undefined) {
        parkedId = park.park({ parker: { identity: 'sip:bench@127.0.0.1' }, parked: { identity: 'sip:carol@example.com', displayName: 'Carol' }, orbit: 701 }).id;
      } else {
        park.hangup(parkedId, 'adminHangup');
        parkedId = undefined;
      }
      await blf.idle();
      fanOutMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const seconds = Number(process.hrtime.bigint() - runStart) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const notifies = options.subscribers * options.changes;
    return {
      subscribers: options.subscribers,
      changes: options.changes,
      fanOutMs,
      notifiesPerSecond: round(notifies / seconds, 0),
      cpuMsPerNotify: round((cpu.user + cpu.system) / 1000 / notifies, 3),
      subscribeSeconds: round(subscribeSeconds, 1),
    };
  } finally {
    await blf.stop();
    await watchers.result.catch(() => undefined);
    park.stop();
    await sip.close();
  }
}

export function formatBlfBench(result: BlfBenchResult): string {
  return markdownTable(
    ['subscribers', 'lamp changes', 'NOTIFYs/s', 'fan-out p50 ms', 'fan-out max ms', 'CPU ms/NOTIFY (engine+app)', 'subscribe phase s'],
    [
      [
        String(result.subscribers),
        String(result.changes),
        String(result.notifiesPerSecond),
        String(round(percentile(result.fanOutMs, 50), 1)),
        String(round(Math.max(...result.fanOutMs), 1)),
        String(result.cpuMsPerNotify),
        String(result.subscribeSeconds),
      ],
    ],
  );
}

export function summarizeBlfBench(result: BlfBenchResult): string[][] {
  return [[`BLF fan-out NOTIFYs/s (${result.subscribers} subscribers)`, String(result.notifiesPerSecond), '-', 'every NOTIFY answered by SIPp']];
}
