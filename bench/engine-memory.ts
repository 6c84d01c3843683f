/**
 * Focused experiment on the engine's memory after a load run (not part of `npm run bench`):
 *
 *   node dist/bench/engine-memory.js
 *
 * One warm-up (200 calls at 100 cps), one SIPp uac step (BENCH_MEMORY_RATE cps, default 1000, for
 * BENCH_MEMORY_SECONDS, default 10) through `callpark engine` to the answer app, then RSS and
 * `process.memoryUsage()` (from engine-memory-probe.ts, no GC) at each settle checkpoint
 * (BENCH_SETTLE_SECONDS, default 10,40,100) and after a forced full GC. BENCH_MEMORY_ENGINE_ENV
 * adds variables to the engine's environment only, e.g. `MALLOC_ARENA_MAX=2`.
 */
import path from 'node:path';
import { freePort } from '../test/support/ports';
import { installExitCleanup, spawnChild, stopAllChildren, type BenchChild } from './lib/children';
import { heapAfterGc } from './lib/gc-report';
import { BENCH_DIST, CLI_JS, GC_PROBE_JS, SCENARIOS } from './lib/paths';
import { loadAverage, rssMiB } from './lib/proc-stats';
import { runLoadStep } from './lib/sipp-step';
import { markdownTable } from './lib/table';

const MiB = 1024 * 1024;
const PROBE_LINE = /mem-probe t=(\d+) rss=(\d+) heapTotal=(\d+) heapUsed=(\d+) external=(\d+) arrayBuffers=(\d+) oldSpaceSize=(\d+)\n/g;

interface MemorySample {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  oldSpace: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;

function numberFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

function engineEnv(): NodeJS.ProcessEnv {
  const extra = (process.env.BENCH_MEMORY_ENGINE_ENV ?? '').split(/\s+/).filter((part) => part.includes('='));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const pair of extra) {
    const at = pair.indexOf('=');
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

function samples(child: BenchChild): MemorySample[] {
  return [...child.output().matchAll(PROBE_LINE)].map((match) => ({
    rss: Number(match[2]),
    heapTotal: Number(match[3]),
    heapUsed: Number(match[4]),
    external: Number(match[5]),
    arrayBuffers: Number(match[6]),
    oldSpace: Number(match[7]),
  }));
}

function latest(child: BenchChild): MemorySample | undefined {
  const all = samples(child);
  return all[all.length - 1];
}

function row(label: string, sample: MemorySample | undefined): Array<string | number> {
  if (sample === undefined) return [label, '–', '–', '–', '–', '–', '–'];
  return [label, mib(sample.rss), mib(sample.heapTotal), mib(sample.heapUsed), mib(sample.oldSpace), mib(sample.external), mib(sample.arrayBuffers)];
}

async function main(): Promise<void> {
  installExitCleanup();
  const rate = numberFromEnv('BENCH_MEMORY_RATE', 1000);
  const seconds = numberFromEnv('BENCH_MEMORY_SECONDS', 10);
  const checkpoints = (process.env.BENCH_SETTLE_SECONDS ?? '10,40,100').split(',').map(Number);
  const sipPort = await freePort('udp');
  const adminPort = await freePort('tcp');
  const secret = 'bench-secret';
  const lifetimeMs = (seconds + Math.max(...checkpoints) + 180) * 1000;
  const args = ['--expose-gc', '-r', GC_PROBE_JS, '-r', path.join(BENCH_DIST, 'engine-memory-probe.js'), CLI_JS, 'engine', '--sip', `udp/127.0.0.1:${sipPort}`,
    '--admin', `127.0.0.1:${adminPort}`, '--secret', secret, '--log-level', 'warn'];
  const engine = spawnChild({ name: 'engine', command: process.execPath, args, env: engineEnv(), maxLifetimeMs: lifetimeMs });
  await engine.waitFor(/drachtio admin socket on/, 15000);
  const app = spawnChild({
    name: 'answer-app',
    command: process.execPath,
    args: [path.join(BENCH_DIST, 'apps/answer-app.js'), `127.0.0.1:${adminPort}`, secret],
    maxLifetimeMs: lifetimeMs,
  });
  await app.waitFor(/answer-app ready/, 15000);
  const rows: Array<Array<string | number>> = [];
  const remote = `127.0.0.1:${sipPort}`;
  const uac = path.join(SCENARIOS, 'uac-rtd.xml');
  const load = loadAverage();
  await sleep(1200); // the probe prints once a second
  rows.push(row('cold', latest(engine)));
  await runLoadStep(uac, { remote, callRate: 100, totalCalls: 200, concurrentLimit: 200, timeoutSeconds: 30 });
  await sleep(2000);
  const warm = latest(engine);
  rows.push(row('after warm-up', warm));
  const heapBefore = await heapAfterGc(engine);
  const runStart = samples(engine).length;
  const step = await runLoadStep(uac, {
    remote,
    callRate: rate,
    totalCalls: rate * seconds,
    concurrentLimit: rate * 2,
    timeoutSeconds: seconds + 30,
    extraArgs: ['-timer_resol', '1'],
  });
  const during = samples(engine).slice(runStart);
  const peak = during.reduce<MemorySample | undefined>((best, sample) => (best === undefined || sample.rss > best.rss ? sample : best), undefined);
  rows.push(row('peak (RSS sample)', peak));
  let waited = 0;
  let settled: MemorySample | undefined;
  for (const checkpoint of checkpoints) {
    await sleep((checkpoint - waited) * 1000);
    waited = checkpoint;
    settled = latest(engine);
    rows.push(row(`${checkpoint} s after`, settled));
  }
  const heapAfter = await heapAfterGc(engine);
  await sleep(1500);
  rows.push(row('1 s after a full GC', latest(engine)));
  process.stdout.write(
    [
      `engine memory: ${rate} cps × ${seconds} s, ${step.result.summary}; load average at start ${load}; ` +
        `engine env: ${process.env.BENCH_MEMORY_ENGINE_ENV ?? '(none)'}; RSS now ${Math.round(rssMiB(engine.pid) * 10) / 10} MiB`,
      '',
      markdownTable(['point', 'RSS MiB', 'heapTotal', 'heapUsed', 'old space', 'external', 'arrayBuffers'], rows),
      '',
      `Live heap after a full GC: ${heapBefore?.heapUsedMiB ?? '–'} MiB after warm-up, ${heapAfter?.heapUsedMiB ?? '–'} MiB at the end; ` +
        `RSS vs after warm-up at the last checkpoint: ${warm === undefined || settled === undefined ? '–' : mib(settled.rss - warm.rss)} MiB`,
      '',
    ].join('\n'),
  );
  await app.stop();
  await engine.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`engine-memory failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    void stopAllChildren().finally(() => process.exit(1));
  },
);
