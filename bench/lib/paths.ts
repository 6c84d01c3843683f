import path from 'node:path';

/** The repository root, whether running from bench/ (ts) or dist/bench/ (compiled). */
export const REPO_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');

export const CLI_JS = path.join(REPO_ROOT, 'dist/src/cli.js');
export const BENCH_DIST = path.join(REPO_ROOT, 'dist/bench');
export const SCENARIOS = path.join(REPO_ROOT, 'bench/scenarios');
export const GC_PROBE_JS = path.join(BENCH_DIST, 'lib/gc-probe.js');
