import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/support/ports';
import { runSipp, type SippResult } from '../test/support/sipp';
import { BENCH_ORBITS, PARKER_URI, startCallparkChild, type CallparkChild } from './lib/callpark-child';
import { REPO_ROOT, SCENARIOS } from './lib/paths';
import { CpuMeter, cpuSeconds, loadAverage, rssMiB, RssSampler } from './lib/proc-stats';
import { analyseRtpCapture, startRtpCapture, type RtpSummary } from './lib/rtp-capture';
import { printableCommand, runLoadStep, SIPP_BUFF_SIZE, type LoadStep } from './lib/sipp-step';
import { percentile, round } from './lib/stats';
import { markdownTable } from './lib/table';

/**
 * Benchmark 2, against the whole server (`callpark start`) in its own process:
 *  - cycles: parked parties enter orbits by directed park (a transfer into a chosen orbit) at a
 *    stepped rate; a second SIPp retrieves the same orbits 2 s behind; each retrieval re-INVITEs
 *    the parked party and both hang up;
 *  - hold: N calls parked with music at once; the server's CPU and RSS, and the music's pacing
 *    on the wire (tshark rtp,streams).
 * RTP goes to a port nobody listens on: the kernel drops it after tshark has seen it on `lo`.
 */

export const FREESWITCH_REFERENCE = { cyclesPerSecond: 60, parked: 500, parkedJitterMs: 1.9 };
export const PARK_TARGETS = { cyclesPerSecond: 200, retrievalP99Ms: 50, parked: 1000, cpuPercent: 50, meanJitterMs: 1 };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const RETRIEVE_LAG_MS = 2000;
/**
 * How long the retriever talks before hanging up. Not 0: a BYE right behind the ACK can reach the
 * app before it has bridged the legs, and the parked party then never gets its BYE (reported).
 */
const RETRIEVER_TALK_MS = 500;

/**
 * The RTP destination in the parked parties' SDP: a port free when the server starts and bound by
 * nobody (not 9: other test runs on the machine use it too, and tshark would count their streams).
 */
async function rtpSinkPort(): Promise<number> {
  return freePort('udp');
}

function orbitRows(): string[][] {
  const rows: string[][] = [];
  for (let orbit = BENCH_ORBITS.start; orbit <= BENCH_ORBITS.end; orbit++) rows.push([String(orbit)]);
  return rows;
}

/** `<log message="refused 503"/>` and friends in a scenario's action log. */
function countLogged(result: SippResult, pattern: RegExp): number {
  return result.actionLog().split('\n').filter((line) => pattern.test(line)).length;
}

export interface CycleStepFigures {
  rate: number;
  cycles: number;
  /** Retrievals that completed (the retriever's calls). */
  completed: number;
  failed: number;
  shed503: number;
  otherRefusals: number;
  timeouts: number;
  /** Parked parties that hung up after 20 s without a retrieval (their retriever was refused or failed). */
  unretrieved: number;
  achievedRate: number;
  parkP50Ms: number;
  parkP99Ms: number;
  retrieveP50Ms: number;
  retrieveP99Ms: number;
  cpuPercent: number;
  /** Server CPU time per completed cycle (ms), load-independent. */
  cpuMsPerCycle: number;
  /** Share of the step the server's main thread waited for a CPU (others' load). */
  cpuWaitPercent: number;
  rssPeakMiB: number;
  clean: boolean;
}

export interface HoldFigures {
  parked: number;
  /** Calls SIPp reported as set up (200 OK received). */
  answered: number;
  cpuPercent: number;
  cpuWaitPercent: number;
  rssMiB: number;
  rssIdleMiB: number;
  rtp: RtpSummary;
  failed: number;
}

export interface ParkBenchResult {
  cycles: CycleStepFigures[];
  maxCleanCycleRate: number;
  hold: HoldFigures[];
  loadAverageAtStart: number;
  /** Label → exact command line of one run of each kind. */
  commands: Map<string, string>;
}

export interface ParkBenchOptions {
  cycleRates: number[];
  stepSeconds: number;
  holdLevels: number[];
  captureSeconds: number;
  /** Extra node flags for the server process in the cycles part (e.g. `--cpu-prof`). */
  serverNodeFlags?: string[];
  log: (line: string) => void;
}

export const DEFAULT_CYCLE_RATES = [50, 100, 150, 200, 250, 300];
export const DEFAULT_HOLD_LEVELS = [250, 500, 1000];

async function runCycleStep(server: CallparkChild, sinkPort: number, rate: number, seconds: number): Promise<{ figures: CycleStepFigures; parked: LoadStep; retrieved: LoadStep }> {
  const remote = `127.0.0.1:${server.sipPort}`;
  const calls = rate * seconds;
  const injection = { order: 'SEQUENTIAL' as const, rows: orbitRows() };
  const common = { remote, callRate: rate, totalCalls: calls, injection, timeoutSeconds: seconds + 90, extraArgs: ['-timer_resol', '1'] };
  const cpu = new CpuMeter(server.child.pid);
  const rss = new RssSampler(server.child.pid);
  cpu.start();
  rss.start();
  const cpuBefore = cpuSeconds(server.child.pid);
  const parkedRun = runLoadStep(path.join(SCENARIOS, 'park-cycle-parked.xml'), {
    ...common,
    concurrentLimit: rate * 30,
    keys: { rtp_port: String(sinkPort), referred_by: PARKER_URI },
  });
  await sleep(RETRIEVE_LAG_MS);
  const retrieverRun = runLoadStep(path.join(SCENARIOS, 'park-cycle-retriever.xml'), {
    ...common,
    concurrentLimit: rate * 10,
    keys: { rtp_port: String(sinkPort) },
    extraArgs: [...common.extraArgs, '-d', String(RETRIEVER_TALK_MS)],
  });
  const [parked, retrieved] = await Promise.all([parkedRun, retrieverRun]);
  const both = [parked.result, retrieved.result];
  const shed503 = both.reduce((sum, result) => sum + countLogged(result, /refused 503/), 0);
  const refusals = both.reduce((sum, result) => sum + countLogged(result, /refused \d+/), 0);
  const timeouts = both.reduce((sum, result) => sum + countLogged(result, /timed out/), 0);
  const unretrieved = countLogged(parked.result, /not retrieved/);
  const failed = both.reduce((sum, result) => sum + (result.stats?.failed ?? 0), 0);
  // A refused or timed-out retriever ends through the scenario's "fail" label: SIPp counts it failed, not successful.
  const completed = retrieved.result.stats?.successful ?? 0;
  const partial = {
    rate,
    cycles: calls,
    completed,
    failed,
    shed503,
    otherRefusals: refusals - shed503,
    timeouts,
    unretrieved,
    achievedRate: round(retrieved.achievedRate, 0),
    parkP50Ms: percentile(parked.responseTimes, 50),
    parkP99Ms: percentile(parked.responseTimes, 99),
    retrieveP50Ms: percentile(retrieved.responseTimes, 50),
    retrieveP99Ms: percentile(retrieved.responseTimes, 99),
    cpuPercent: round(cpu.read(), 0),
    cpuWaitPercent: round(cpu.waitPercent(), 0),
    cpuMsPerCycle: round(((cpuSeconds(server.child.pid) - cpuBefore) * 1000) / Math.max(1, completed), 2),
    rssPeakMiB: round(rss.stop(), 1),
  };
  const clean =
    both.every((result) => result.outcome === 'ok') &&
    failed === 0 &&
    refusals === 0 &&
    timeouts === 0 &&
    unretrieved === 0 &&
    completed === calls &&
    partial.achievedRate >= 0.8 * rate;
  return { figures: { ...partial, clean }, parked, retrieved };
}

async function runCycles(dir: string, options: ParkBenchOptions, commands: Map<string, string>): Promise<CycleStepFigures[]> {
  const lifetimeMs = (options.cycleRates.length * (options.stepSeconds + 120) + 60) * 1000;
  const server = await startCallparkChild(dir, 4000, lifetimeMs, options.serverNodeFlags);
  commands.set('server (cycles)', server.command);
  const sinkPort = await rtpSinkPort();
  const steps: CycleStepFigures[] = [];
  try {
    for (const rate of options.cycleRates) {
      const { figures, parked, retrieved } = await runCycleStep(server, sinkPort, rate, options.stepSeconds);
      if (!commands.has('parked parties')) {
        commands.set('parked parties', printableCommand(parked));
        commands.set('retrievers (2 s later)', printableCommand(retrieved));
      }
      steps.push(figures);
      options.log(
        `park bench: ${rate} cycles/s → ${figures.completed}/${figures.cycles} retrieved, ${figures.failed} failed ` +
          `(${figures.shed503} × 503, ${figures.otherRefusals} other refusals, ${figures.timeouts} timeouts, ${figures.unretrieved} parked never retrieved), ` +
          `retrieve p50 ${figures.retrieveP50Ms} ms p99 ${figures.retrieveP99Ms} ms, CPU ${figures.cpuPercent}% (waited ${figures.cpuWaitPercent}%), load ${loadAverage()}`,
      );
      if (!figures.clean) break;
      await sleep(2000);
    }
  } finally {
    await server.child.stop();
  }
  return steps;
}

async function runHoldLevel(dir: string, parked: number, options: ParkBenchOptions, commands: Map<string, string>): Promise<HoldFigures> {
  const rampRate = Math.min(parked, 200);
  const rampMs = (parked / rampRate) * 1000;
  const holdMs = rampMs + 3000 + (options.captureSeconds + 5) * 1000;
  const server = await startCallparkChild(dir, parked * 2 + 200, holdMs + 120_000);
  if (!commands.has('server (hold)')) commands.set('server (hold)', server.command);
  const sinkPort = await rtpSinkPort();
  try {
    await sleep(1000);
    const rssIdleMiB = rssMiB(server.child.pid);
    const sipp = runSipp({
      scenario: path.join(REPO_ROOT, 'test/sipp/park-blind.xml'),
      remote: `127.0.0.1:${server.sipPort}`,
      service: '700',
      callRate: rampRate,
      totalCalls: parked,
      concurrentLimit: parked,
      keys: { from_user: 'carol', from_name: 'Carol', rtp_port: String(sinkPort), referred_by: PARKER_URI },
      timeoutSeconds: Math.ceil(holdMs / 1000) + 60,
      traceMessages: false,
      buffSize: SIPP_BUFF_SIZE,
      extraArgs: ['-d', String(Math.round(holdMs))],
    });
    await sleep(rampMs + 3000);
    const capture = await startRtpCapture(dir, sinkPort, options.captureSeconds);
    const cpu = new CpuMeter(server.child.pid);
    cpu.start();
    await capture.done;
    const cpuPercent = round(cpu.read(), 0);
    const cpuWaitPercent = round(cpu.waitPercent(), 0);
    const rss = rssMiB(server.child.pid);
    const result = await sipp;
    const { summary, command } = await analyseRtpCapture(capture.file, sinkPort);
    if (!commands.has('parked parties (hold)')) {
      commands.set('parked parties (hold)', result.command.join(' ').replace(/\/tmp\/callpark-sipp-[^/ ]+/g, '$RUN'));
      commands.set('capture', capture.command);
      commands.set('analysis', command);
    }
    const figures: HoldFigures = {
      parked,
      answered: (result.stats?.successful ?? 0) + (result.stats?.failed ?? 0) === 0 ? 0 : (result.stats?.successful ?? 0),
      cpuPercent,
      cpuWaitPercent,
      rssMiB: round(rss),
      rssIdleMiB: round(rssIdleMiB),
      rtp: summary,
      failed: result.stats?.failed ?? 0,
    };
    options.log(
      `park bench: ${parked} parked → ${summary.streams} RTP streams, CPU ${cpuPercent}% (waited ${cpuWaitPercent}%), RSS ${figures.rssMiB} MiB, ` +
        `mean jitter ${round(summary.meanJitterMs, 2)} ms, max delta ${summary.maxDeltaMs} ms, ${figures.failed} failed calls, load ${loadAverage()}`,
    );
    return figures;
  } finally {
    await server.child.stop();
  }
}

export async function runParkBench(options: ParkBenchOptions): Promise<ParkBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callpark-parkbench-'));
  const loadAverageAtStart = loadAverage();
  const commands = new Map<string, string>();
  const cycles = options.cycleRates.length === 0 ? [] : await runCycles(dir, options, commands);
  const hold: HoldFigures[] = [];
  for (const level of options.holdLevels) hold.push(await runHoldLevel(dir, level, options, commands));
  const clean = cycles.filter((step) => step.clean);
  return {
    cycles,
    maxCleanCycleRate: clean.length === 0 ? 0 : Math.max(...clean.map((step) => step.rate)),
    hold,
    loadAverageAtStart,
    commands,
  };
}

export function formatParkBench(result: ParkBenchResult): string {
  const parts: string[] = [];
  if (result.cycles.length > 0) {
    parts.push(
      markdownTable(
        ['cycles/s asked', 'retrieved', 'failed', '503', 'other refusals', 'timeouts', 'never retrieved', 'cycles/s done', 'park p50/p99 ms', 'retrieve p50/p99 ms', 'CPU %', 'CPU ms/cycle', 'CPU wait %', 'RSS peak MiB', 'clean'],
        result.cycles.map((step) => [
          step.rate,
          `${step.completed}/${step.cycles}`,
          step.failed,
          step.shed503,
          step.otherRefusals,
          step.timeouts,
          step.unretrieved,
          step.achievedRate,
          `${step.parkP50Ms}/${step.parkP99Ms}`,
          `${step.retrieveP50Ms}/${step.retrieveP99Ms}`,
          step.cpuPercent,
          step.cpuMsPerCycle,
          step.cpuWaitPercent,
          step.rssPeakMiB,
          step.clean ? 'yes' : 'no',
        ]),
      ),
      '',
      `Highest clean park+retrieve rate: ${result.maxCleanCycleRate} cycles/s (target ${PARK_TARGETS.cyclesPerSecond}; FreeSWITCH ${FREESWITCH_REFERENCE.cyclesPerSecond}, ` +
        `${round(result.maxCleanCycleRate / FREESWITCH_REFERENCE.cyclesPerSecond, 2)}×)`,
      '',
    );
  }
  if (result.hold.length > 0) {
    parts.push(
      markdownTable(
        ['parked with music', 'set up', 'failed', 'CPU % (1 core)', 'CPU wait %', 'RSS MiB (idle → parked)', 'RTP streams', 'lost', 'mean jitter ms', 'max jitter ms', 'max delta ms', 'mean max delta ms'],
        result.hold.map((level) => [
          level.parked,
          level.answered,
          level.failed,
          level.cpuPercent,
          level.cpuWaitPercent,
          `${level.rssIdleMiB} → ${level.rssMiB}`,
          level.rtp.streams,
          level.rtp.lost,
          round(level.rtp.meanJitterMs, 3),
          round(level.rtp.maxJitterMs, 2),
          round(level.rtp.maxDeltaMs, 1),
          round(level.rtp.meanMaxDeltaMs, 1),
        ]),
      ),
      '',
      `Targets: ${PARK_TARGETS.parked} parked under ${PARK_TARGETS.cpuPercent}% of a core with mean jitter under ${PARK_TARGETS.meanJitterMs} ms; ` +
        `FreeSWITCH: ${FREESWITCH_REFERENCE.parked} parked at ${FREESWITCH_REFERENCE.parkedJitterMs} ms mean jitter filling both cores, 1000 do not hold.`,
    );
  }
  parts.push(`Load average at start: ${result.loadAverageAtStart} (2 cores, shared)`, '', 'Commands:', ...[...result.commands].map(([label, command]) => `  ${label}:\n    ${command}`));
  return parts.join('\n');
}

/** Summary rows: figure, measured, target, reference. */
export function summarizeParkBench(result: ParkBenchResult): string[][] {
  const rows: string[][] = [];
  if (result.cycles.length > 0) {
    const best = result.cycles.find((step) => step.rate === result.maxCleanCycleRate);
    const beyond = result.cycles.find((step) => !step.clean);
    rows.push(
      ['park: park+retrieve cycles/s, zero failures', `${result.maxCleanCycleRate}`, `${PARK_TARGETS.cyclesPerSecond}`, `FreeSWITCH ${FREESWITCH_REFERENCE.cyclesPerSecond} (crashes at 75)`],
      ['park: retrieval p99 at that rate', best === undefined ? '–' : `${best.retrieveP99Ms} ms (waited for a core ${best.cpuWaitPercent}%)`, `< ${PARK_TARGETS.retrievalP99Ms} ms`, '–'],
      [
        'park: beyond that rate',
        beyond === undefined ? 'not reached' : `${beyond.rate}/s: ${beyond.shed503} × 503, ${beyond.otherRefusals} other refusals, ${beyond.timeouts} timeouts`,
        'clean 503',
        '–',
      ],
    );
  }
  for (const level of result.hold) {
    rows.push([
      `park: ${level.parked} parked with music`,
      `${level.cpuPercent}% CPU (waited ${level.cpuWaitPercent}%), ${round(level.rtp.meanJitterMs, 2)} ms mean jitter, ${level.rtp.lost} lost, ${level.rssMiB} MiB`,
      level.parked === PARK_TARGETS.parked ? `< ${PARK_TARGETS.cpuPercent}% CPU, < ${PARK_TARGETS.meanJitterMs} ms` : '–',
      level.parked === FREESWITCH_REFERENCE.parked
        ? `FreeSWITCH ${FREESWITCH_REFERENCE.parkedJitterMs} ms, both cores`
        : level.parked >= 1000
          ? 'FreeSWITCH: does not hold'
          : '–',
    ]);
  }
  return rows;
}
