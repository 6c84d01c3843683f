import path from 'node:path';
import { spawnChild, type BenchChild } from './lib/children';
import { startEngineChild, type EngineChild } from './lib/engine-child';
import { heapAfterGc, type HeapAfterGc } from './lib/gc-report';
import { BENCH_DIST, SCENARIOS } from './lib/paths';
import { CpuMeter, cpuSeconds, loadAverage, rssMiB, RssSampler } from './lib/proc-stats';
import { printableCommand, runLoadStep } from './lib/sipp-step';
import { percentile, round } from './lib/stats';
import { markdownTable } from './lib/table';

/**
 * Benchmark 1: SIPp's uac flow (INVITE/200/ACK/BYE/200) at stepped rates through the embedded
 * engine (its own process) to a minimal drachtio-srf answering app (another process).
 */

export const DRACHTIO_REFERENCE = { maxCleanRate: 800, p99SetupMs: 37 };

export interface EngineStepFigures {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  retransmissions: number;
  achievedRate: number;
  p50Ms: number;
  p99Ms: number;
  engineCpuPercent: number;
  /** Engine CPU time per call (ms): load-independent, unlike the rate a shared machine allows. */
  engineCpuMsPerCall: number;
  /** Share of the step the engine's main thread waited for a CPU (others' load). */
  engineWaitPercent: number;
  appCpuPercent: number;
  engineRssMiB: number;
  clean: boolean;
  outcome: string;
}

export interface EngineBenchResult {
  steps: EngineStepFigures[];
  maxCleanRate: number;
  rssColdMiB: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  /** RSS after each settle checkpoint, e.g. 10 s and 40 s (past Timer J, 32 s, which keeps BYE transactions). */
  rssAfter: Array<{ seconds: number; rssMiB: number }>;
  /** Live heap after a forced full GC: after warm-up, and after the last settle checkpoint. */
  heapBefore: HeapAfterGc | undefined;
  heapAfter: HeapAfterGc | undefined;
  loadAverageAtStart: number;
  engineCommand: string;
  sippCommand: string;
}

export interface EngineBenchOptions {
  rates: number[];
  stepSeconds: number;
  /** Seconds after the run at which RSS is read (cumulative), e.g. [10, 40]. */
  settleCheckpoints: number[];
  /** Extra node flags for the engine child (e.g. `--cpu-prof`). */
  engineNodeFlags?: string[];
  engineCwd?: string;
  log: (line: string) => void;
}

export const DEFAULT_ENGINE_RATES = [200, 400, 600, 800, 1000, 1200, 1500];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function startAnswerApp(engine: EngineChild, maxLifetimeMs: number): Promise<BenchChild> {
  const app = spawnChild({
    name: 'answer-app',
    command: process.execPath,
    args: [path.join(BENCH_DIST, 'apps/answer-app.js'), `${engine.admin.host}:${engine.admin.port}`, engine.secret],
    maxLifetimeMs,
  });
  await app.waitFor(/answer-app ready/, 15000);
  return app;
}

/** A step is clean when every call succeeded and calls were set up at >= 80% of the asked rate (the tail of late 200s lowers the measured rate). */
function isClean(figures: Omit<EngineStepFigures, 'clean'>): boolean {
  return figures.outcome === 'ok' && figures.failed === 0 && figures.successful === figures.calls && figures.achievedRate >= 0.8 * figures.rate;
}

export async function runEngineBench(options: EngineBenchOptions): Promise<EngineBenchResult> {
  const uac = path.join(SCENARIOS, 'uac-rtd.xml');
  const settleSeconds = Math.max(0, ...options.settleCheckpoints);
  const lifetimeMs = (options.rates.length * (options.stepSeconds + 50) + settleSeconds + 60) * 1000;
  const loadAverageAtStart = loadAverage();
  const engine = await startEngineChild({
    maxLifetimeMs: lifetimeMs,
    ...(options.engineNodeFlags === undefined ? {} : { nodeFlags: options.engineNodeFlags }),
    ...(options.engineCwd === undefined ? {} : { cwd: options.engineCwd }),
  });
  let app: BenchChild | undefined;
  try {
    app = await startAnswerApp(engine, lifetimeMs);
    const rssColdMiB = rssMiB(engine.child.pid);
    const remote = `127.0.0.1:${engine.sipPort}`;
    // Warm-up: JIT and buffers, so that "before" is a running engine, not a cold one.
    const warm = await runLoadStep(uac, { remote, callRate: 100, totalCalls: 200, concurrentLimit: 200, timeoutSeconds: 30 });
    options.log(`engine bench: warm-up ${warm.result.summary}`);
    await sleep(2000);
    const rssBeforeMiB = rssMiB(engine.child.pid);
    const heapBefore = await heapAfterGc(engine.child);
    const rssSampler = new RssSampler(engine.child.pid);
    rssSampler.start();
    const steps: EngineStepFigures[] = [];
    let sippCommand = '';
    for (const rate of options.rates) {
      const engineCpu = new CpuMeter(engine.child.pid);
      const appCpu = new CpuMeter(app.pid);
      const stepRss = new RssSampler(engine.child.pid);
      engineCpu.start();
      appCpu.start();
      const engineCpuBefore = cpuSeconds(engine.child.pid);
      stepRss.start();
      const calls = rate * options.stepSeconds;
      const step = await runLoadStep(uac, {
        remote,
        callRate: rate,
        totalCalls: calls,
        concurrentLimit: rate * 2,
        timeoutSeconds: options.stepSeconds + 30,
        extraArgs: ['-timer_resol', '1'],
      });
      sippCommand = printableCommand(step);
      const stats = step.result.stats;
      const partial = {
        rate,
        calls,
        successful: stats?.successful ?? 0,
        failed: stats?.failed ?? 0,
        retransmissions: stats?.retransmissions ?? 0,
        achievedRate: round(step.achievedRate, 0),
        p50Ms: percentile(step.responseTimes, 50),
        p99Ms: percentile(step.responseTimes, 99),
        engineCpuPercent: round(engineCpu.read(), 0),
        engineCpuMsPerCall: round(((cpuSeconds(engine.child.pid) - engineCpuBefore) * 1000) / Math.max(1, stats?.successful ?? 0), 2),
        engineWaitPercent: round(engineCpu.waitPercent(), 0),
        appCpuPercent: round(appCpu.read(), 0),
        engineRssMiB: round(stepRss.stop(), 1),
        outcome: step.result.outcome,
      };
      const figures: EngineStepFigures = { ...partial, clean: isClean(partial) };
      steps.push(figures);
      options.log(
        `engine bench: ${rate} cps → ${figures.successful}/${calls} ok, ${figures.failed} failed, ${figures.achievedRate} cps achieved, ` +
          `p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, engine CPU ${figures.engineCpuPercent}% (waited for CPU ${figures.engineWaitPercent}%), load ${loadAverage()}`,
      );
      if (!figures.clean) break;
      await sleep(1000);
    }
    const rssPeakMiB = rssSampler.stop();
    const rssAfter: EngineBenchResult['rssAfter'] = [];
    let waited = 0;
    for (const seconds of [...options.settleCheckpoints].sort((a, b) => a - b)) {
      await sleep((seconds - waited) * 1000);
      waited = seconds;
      rssAfter.push({ seconds, rssMiB: round(rssMiB(engine.child.pid)) });
    }
    const heapAfter = options.settleCheckpoints.length === 0 ? undefined : await heapAfterGc(engine.child);
    const clean = steps.filter((step) => step.clean);
    return {
      steps,
      maxCleanRate: clean.length === 0 ? 0 : Math.max(...clean.map((step) => step.rate)),
      rssColdMiB: round(rssColdMiB),
      rssBeforeMiB: round(rssBeforeMiB),
      rssPeakMiB: round(rssPeakMiB),
      rssAfter,
      heapBefore,
      heapAfter,
      loadAverageAtStart,
      engineCommand: engine.command.join(' '),
      sippCommand,
    };
  } finally {
    await app?.stop();
    await engine.child.stop();
  }
}

export function formatEngineBench(result: EngineBenchResult): string {
  const rows = result.steps.map((step) => [
    step.rate,
    `${step.successful}/${step.calls}`,
    step.failed,
    step.retransmissions,
    step.achievedRate,
    step.p50Ms,
    step.p99Ms,
    step.engineCpuPercent,
    step.engineCpuMsPerCall,
    step.engineWaitPercent,
    step.appCpuPercent,
    step.engineRssMiB,
    step.clean ? 'yes' : `no (${step.outcome})`,
  ]);
  const best = result.steps.find((step) => step.rate === result.maxCleanRate);
  const ratio = result.maxCleanRate / DRACHTIO_REFERENCE.maxCleanRate;
  return [
    markdownTable(
      ['cps asked', 'ok/calls', 'failed', 'retrans', 'cps done', 'p50 ms', 'p99 ms', 'engine CPU %', 'engine CPU ms/call', 'engine CPU wait %', 'app CPU %', 'engine RSS peak MiB', 'clean'],
      rows,
    ),
    '',
    `Highest clean rate: ${result.maxCleanRate} cps (${round(ratio, 2)}× drachtio-server's ${DRACHTIO_REFERENCE.maxCleanRate})` +
      (best === undefined ? '' : `; p99 setup there ${best.p99Ms} ms (drachtio-server: ${DRACHTIO_REFERENCE.p99SetupMs} ms at 800 cps)`),
    `Engine RSS: cold ${result.rssColdMiB} MiB, after warm-up ${result.rssBeforeMiB} MiB, peak ${result.rssPeakMiB} MiB, ` +
      result.rssAfter.map(({ seconds, rssMiB: rss }) => `${seconds} s after the run ${rss} MiB (${round(rss - result.rssBeforeMiB)} vs before)`).join(', '),
    describeHeap(result),
    `Load average at start: ${result.loadAverageAtStart} (2 cores, shared)`,
  ].join('\n');
}

function describeHeap(result: EngineBenchResult): string {
  const { heapBefore: before, heapAfter: after } = result;
  if (before === undefined || after === undefined) return 'Live heap after a full GC: not measured';
  return (
    `Live heap after a full GC: ${before.heapUsedMiB} MiB after warm-up, ${after.heapUsedMiB} MiB at the end ` +
    `(heap reserved ${before.heapTotalMiB} → ${after.heapTotalMiB} MiB, external ${before.externalMiB} → ${after.externalMiB} MiB, ` +
    `RSS right after that GC ${after.rssMiB} MiB)`
  );
}

/** Summary rows: figure, measured, target, reference. */
export function summarizeEngineBench(result: EngineBenchResult): string[][] {
  const at800 = result.steps.find((step) => step.rate === 800);
  const lastSettle = result.rssAfter[result.rssAfter.length - 1];
  return [
    ['engine: highest rate, zero failures', `${result.maxCleanRate} cps`, '> 800 (at least 500)', `drachtio-server ${DRACHTIO_REFERENCE.maxCleanRate}`],
    ['engine: p99 setup at 800 cps', at800 === undefined ? 'not reached' : `${at800.p99Ms} ms (engine waited for a core ${at800.engineWaitPercent}%)`, '–', `drachtio-server ${DRACHTIO_REFERENCE.p99SetupMs} ms`],
    [
      'engine: RSS after the run vs before',
      lastSettle === undefined ? 'not measured' : `${round(lastSettle.rssMiB - result.rssBeforeMiB)} MiB at +${lastSettle.seconds} s (peak ${result.rssPeakMiB})`,
      'back to start',
      'drachtio-server never returns it',
    ],
  ];
}
