import fs from 'node:fs';
import path from 'node:path';

/** One `-trace_rtt` row: when it was recorded (ms since SIPp started) and the response time. */
export interface ResponseTimeSample {
  atMs: number;
  ms: number;
}

/**
 * Reads SIPp's `-trace_rtt` output (`<scenario>_<pid>_rtt.csv`: `Date_ms;response_time_ms;rtd_no`)
 * for one timer (1 = `rtd="true"`).
 */
export function readResponseTimes(dir: string, timer: number | string = 1): ResponseTimeSample[] {
  const samples: ResponseTimeSample[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('_rtt.csv')) continue;
    const lines = fs.readFileSync(path.join(dir, name), 'utf8').split('\n');
    for (const line of lines.slice(1)) {
      const [at, value, rtd] = line.trim().split(';');
      if (value === undefined || rtd !== String(timer)) continue;
      const sample = { atMs: Number(at), ms: Number(value) };
      if (Number.isFinite(sample.atMs) && Number.isFinite(sample.ms)) samples.push(sample);
    }
  }
  return samples;
}

/**
 * Rate at which responses were recorded, per second, between the first and the last: in steady
 * state the rate calls were set up, without SIPp's start-up and the calls' tails.
 */
export function responseRate(samples: readonly ResponseTimeSample[]): number {
  if (samples.length < 2) return 0;
  let first = Infinity;
  let last = -Infinity;
  for (const { atMs } of samples) {
    first = Math.min(first, atMs);
    last = Math.max(last, atMs);
  }
  return last > first ? ((samples.length - 1) * 1000) / (last - first) : 0;
}
