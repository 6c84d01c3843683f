/**
 * `npm run bench [-- NAME…]`: runs the benchmarks (all, or the named ones) and prints their tables.
 * Figures are printed, never asserted.
 */
import { installExitCleanup, stopAllChildren } from './lib/children';
import { DEFAULT_ENGINE_RATES, formatEngineBench, runEngineBench, summarizeEngineBench } from './engine-bench';
import { runEngineProfile } from './engine-profile';
import { runParkProfile } from './park-profile';
import { DEFAULT_CYCLE_RATES, DEFAULT_HOLD_LEVELS, formatParkBench, runParkBench, summarizeParkBench } from './park-bench';
import { markdownTable } from './lib/table';
import { DEFAULT_B2BUA_RATES, formatB2buaBench, runB2buaBench, summarizeB2buaBench } from './b2bua';
import { formatLevel, runMediaHold, summarizeMediaHold } from './media-hold';
import { DEFAULT_BLF_CHANGES, DEFAULT_BLF_SUBSCRIBERS, formatBlfBench, runBlfBench, summarizeBlfBench } from './blf';

interface Benchmark {
  name: string;
  /** Only when named on the command line. */
  optional?: boolean;
  run(log: (line: string) => void): Promise<BenchReport>;
}

interface BenchReport {
  /** The benchmark's own tables. */
  text: string;
  /** Rows for the final summary: figure, measured, target, reference. */
  summary: string[][];
}

/** A comma-separated list of numbers from the environment, e.g. BENCH_ENGINE_RATES=200,400. */
function numbersFromEnv(name: string, fallback: number[]): number[] {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isFinite(value) || value <= 0)) throw new Error(`${name} must be a list of positive numbers, got "${text}"`);
  return values;
}

const engineRates = (): number[] => numbersFromEnv('BENCH_ENGINE_RATES', DEFAULT_ENGINE_RATES);
const cycleRates = (): number[] => numbersFromEnv('BENCH_CYCLE_RATES', DEFAULT_CYCLE_RATES);
const holdLevels = (): number[] => numbersFromEnv('BENCH_HOLD_LEVELS', DEFAULT_HOLD_LEVELS);
/** 40 s is past Timer J (32 s); after an overload the RSS falls later still. */
const settleCheckpoints = (): number[] => numbersFromEnv('BENCH_SETTLE_SECONDS', [10, 40, 100]);

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function parkReport(levels: { cycleRates: number[]; holdLevels: number[] }, out: (line: string) => void): Promise<BenchReport> {
  const result = await runParkBench({ ...levels, stepSeconds: 10, captureSeconds: 10, log: out });
  return { text: formatParkBench(result), summary: summarizeParkBench(result) };
}

const BENCHMARKS: Benchmark[] = [
  {
    name: 'engine',
    run: async (out) => {
      const result = await runEngineBench({ rates: engineRates(), stepSeconds: 10, settleCheckpoints: settleCheckpoints(), log: out });
      return { text: formatEngineBench(result), summary: summarizeEngineBench(result) };
    },
  },
  {
    name: 'park',
    run: (out) => parkReport({ cycleRates: cycleRates(), holdLevels: holdLevels() }, out),
  },
  {
    name: 'park-cycles',
    optional: true,
    run: (out) => parkReport({ cycleRates: cycleRates(), holdLevels: [] }, out),
  },
  {
    name: 'park-hold',
    optional: true,
    run: (out) => parkReport({ cycleRates: [], holdLevels: holdLevels() }, out),
  },
  {
    name: 'b2bua',
    run: async (out) => {
      const result = await runB2buaBench({ rates: numbersFromEnv('BENCH_B2BUA_RATES', DEFAULT_B2BUA_RATES), stepSeconds: 10, log: out });
      return { text: formatB2buaBench(result), summary: summarizeB2buaBench(result) };
    },
  },
  {
    name: 'blf',
    run: async (out) => {
      const result = await runBlfBench({ subscribers: DEFAULT_BLF_SUBSCRIBERS, changes: DEFAULT_BLF_CHANGES, log: out });
      return { text: formatBlfBench(result), summary: summarizeBlfBench(result) };
    },
  },
  {
    name: 'media-hold',
    optional: true,
    run: async (out) => {
      const levels = await runMediaHold({ sessions: holdLevels(), seconds: 10, sink: false, log: out });
      return { text: levels.map(formatLevel).join('\n'), summary: summarizeMediaHold(levels) };
    },
  },
  {
    name: 'engine-profile',
    optional: true,
    run: async (out) => ({ text: await runEngineProfile(Number(process.env.BENCH_PROFILE_RATE ?? 400), out), summary: [] }),
  },
  {
    name: 'park-profile',
    optional: true,
    run: async (out) => ({ text: await runParkProfile(Number(process.env.BENCH_PROFILE_RATE ?? 100), out), summary: [] }),
  },
];

async function main(): Promise<number> {
  installExitCleanup();
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !BENCHMARKS.some((bench) => bench.name === name));
  if (unknown.length > 0) {
    log(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((bench) => bench.name).join(', ')}`);
    return 2;
  }
  const selected = wanted.length === 0 ? BENCHMARKS.filter((bench) => bench.optional !== true) : BENCHMARKS.filter((bench) => wanted.includes(bench.name));
  const reports: string[] = [];
  const summary: string[][] = [];
  let failures = 0;
  for (const bench of selected) {
    const started = Date.now();
    try {
      const report = await bench.run(log);
      reports.push(`## ${bench.name} (${Math.round((Date.now() - started) / 1000)} s)\n\n${report.text}`);
      summary.push(...report.summary);
    } catch (error) {
      failures += 1;
      reports.push(`## ${bench.name}: did not complete: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await stopAllChildren();
    }
  }
  if (summary.length > 0) reports.push(`## Summary\n\n${markdownTable(['figure', 'measured', 'target', 'reference'], summary)}`);
  process.stdout.write(`\n${reports.join('\n\n')}\n`);
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    void stopAllChildren().finally(() => process.exit(1));
  },
);
