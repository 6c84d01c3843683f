import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hotSpots, newestProfile } from './lib/cpu-profile';
import { markdownTable } from './lib/table';
import { formatParkBench, runParkBench } from './park-bench';

/** Park+retrieve cycles at one rate with `node --cpu-prof` on the server; prints its hot spots. */
export async function runParkProfile(rate: number, log: (line: string) => void): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callpark-prof-'));
  const result = await runParkBench({
    cycleRates: [rate],
    stepSeconds: 10,
    holdLevels: [],
    captureSeconds: 0,
    serverNodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir],
    log,
  });
  const profile = newestProfile(dir);
  if (profile === undefined) return `${formatParkBench(result)}\n\nno CPU profile written in ${dir}`;
  return [
    formatParkBench(result),
    '',
    `Server hot spots by self time (${profile}):`,
    '',
    markdownTable(
      ['self %', 'self ms', 'function (file:line)'],
      hotSpots(profile, 30).map((spot) => [spot.selfPercent, spot.selfMs, spot.where]),
    ),
  ].join('\n');
}
