/**
 * `npm run bench [-- NAME…]`: runs the benchmarks (all, or the named ones) and prints their tables.
 * Figures are printed, never asserted.
 */
import { installExitCleanup, stopAllChildren } from './lib/children';
import { DEFAULT_ENGINE_RATES, formatEngineBench, runEngineBench } from './engine-bench';

interface Benchmark {
  name: string;
  run(log: (line: string) => void): Promise<string>;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const BENCHMARKS: Benchmark[] = [
  {
    name: 'engine',
    run: async (out) => formatEngineBench(await runEngineBench({ rates: DEFAULT_ENGINE_RATES, stepSeconds: 10, settleSeconds: 10, log: out })),
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
  const selected = wanted.length === 0 ? BENCHMARKS : BENCHMARKS.filter((bench) => wanted.includes(bench.name));
  const reports: string[] = [];
  let failures = 0;
  for (const bench of selected) {
    const started = Date.now();
    try {
      const report = await bench.run(log);
      reports.push(`## ${bench.name} (${Math.round((Date.now() - started) / 1000)} s)\n\n${report}`);
    } catch (error) {
      failures += 1;
      reports.push(`## ${bench.name}: did not complete: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await stopAllChildren();
    }
  }
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
