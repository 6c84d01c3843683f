import fs from 'node:fs';
import path from 'node:path';

/**
 * Reads SIPp's `-trace_rtt` output (`<scenario>_<pid>_rtt.csv`: `Date_ms;response_time_ms;rtd_no`)
 * and returns the response times, in ms, of one timer (1 = `rtd="true"`).
 */
export function readResponseTimes(dir: string, timer: number | string = 1): number[] {
  const times: number[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('_rtt.csv')) continue;
    const lines = fs.readFileSync(path.join(dir, name), 'utf8').split('\n');
    for (const line of lines.slice(1)) {
      const [, value, rtd] = line.trim().split(';');
      if (value === undefined || rtd !== String(timer)) continue;
      const ms = Number(value);
      if (Number.isFinite(ms)) times.push(ms);
    }
  }
  return times;
}
