import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hotSpots, newestProfile } from './lib/cpu-profile';
import { markdownTable } from './lib/table';
import { formatEngineBench, runEngineBench } from './engine-bench';

/**
 * The engine benchmark at one rate with `node --cpu-prof` on the engine child; prints the engine's
 * self-time hot spots (TypeScript file:line through the source maps).
 */
export async function runEngineProfile(rate: number, log: (line: string) => void): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callpark-prof-'));
  const result = await runEngineBench({
    rates: [rate],
    stepSeconds: 10,
    settleCheckpoints: [],
    engineNodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir],
    log,
  });
  const profile = newestProfile(dir);
  if (profile === undefined) return `${formatEngineBench(result)}\n\nno CPU profile written in ${dir}`;
  const spots = hotSpots(profile, 25);
  return [
    formatEngineBench(result),
    '',
    `Engine hot spots by self time (${profile}):`,
    '',
    markdownTable(
      ['self %', 'self ms', 'function (file:line)'],
      spots.map((spot) => [spot.selfPercent, spot.selfMs, spot.where]),
    ),
  ].join('\n');
}
