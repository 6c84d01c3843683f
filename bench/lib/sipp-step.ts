import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSipp, type SippOptions, type SippResult } from '../../test/support/sipp';
import { readResponseTimes, responseRate } from './sipp-rtt';

export const SIPP_BUFF_SIZE = 4194304;

export interface LoadStep {
  result: SippResult;
  /** Response times (ms) of timer 1 from -trace_rtt. */
  responseTimes: number[];
  /** Calls set up per second between the first and the last 200 OK timed (see responseRate). */
  achievedRate: number;
  dir: string;
}

/**
 * One SIPp load run from a scenario file. The scenario is copied into a fresh directory that is
 * also SIPp's working directory, so its `-trace_rtt` CSV lands there.
 */
export async function runLoadStep(scenarioFile: string, options: Omit<SippOptions, 'scenario' | 'cwd'>): Promise<LoadStep> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callpark-bench-'));
  const scenario = path.join(dir, path.basename(scenarioFile));
  fs.copyFileSync(scenarioFile, scenario);
  const result = await runSipp({
    ...options,
    scenario,
    cwd: dir,
    traceMessages: false,
    buffSize: SIPP_BUFF_SIZE,
    extraArgs: ['-trace_rtt', '-rtt_freq', '100', ...(options.extraArgs ?? [])],
  });
  const samples = readResponseTimes(dir);
  return { result, responseTimes: samples.map((sample) => sample.ms), achievedRate: responseRate(samples), dir };
}

/** The command line of a run, for docs: `timeout … sipp …` with the temp paths shortened. */
export function printableCommand(step: LoadStep): string {
  return step.result.command.map((part) => part.split(step.dir).join('$RUN')).join(' ');
}
