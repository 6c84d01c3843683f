import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

/** CPU time and memory of one process, read from Linux /proc (no sampling agent in the process). */

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of `pid` in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after the closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicks();
}

function statusField(pid: number, name: string): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return match === null ? 0 : Number(match[1]);
}

/** Resident set size in MiB. */
export function rssMiB(pid: number): number {
  return statusField(pid, 'VmRSS') / 1024;
}

/** Peak resident set size since start (VmHWM) in MiB. */
export function peakRssMiB(pid: number): number {
  return statusField(pid, 'VmHWM') / 1024;
}

/**
 * Seconds the main thread of `pid` spent runnable but waiting for a CPU (/proc/PID/schedstat,
 * second field, ns). On a shared machine this says how much a figure was limited by others' load.
 */
export function runQueueWaitSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ');
    return Number(fields[1]) / 1e9;
  } catch {
    return 0;
  }
}

/** CPU use of a process between `start()` and `read()`, as a percentage of one core. */
export class CpuMeter {
  private startCpu = 0;
  private startWait = 0;
  private startWall = 0;

  constructor(private readonly pid: number) {}

  start(): void {
    this.startCpu = cpuSeconds(this.pid);
    this.startWait = runQueueWaitSeconds(this.pid);
    this.startWall = performance.now();
  }

  /** Percent of the wall time since start() that the main thread waited for a CPU. */
  waitPercent(): number {
    const wallSeconds = (performance.now() - this.startWall) / 1000;
    if (wallSeconds <= 0) return 0;
    return ((runQueueWaitSeconds(this.pid) - this.startWait) / wallSeconds) * 100;
  }

  /** Percent of one core since start(). */
  read(): number {
    const wallSeconds = (performance.now() - this.startWall) / 1000;
    if (wallSeconds <= 0) return 0;
    return ((cpuSeconds(this.pid) - this.startCpu) / wallSeconds) * 100;
  }
}

/** Samples RSS every `intervalMs` while running; keeps the maximum. */
export class RssSampler {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.peak = Math.max(this.peak, rssMiB(this.pid));
    this.timer = setInterval(() => {
      try {
        this.peak = Math.max(this.peak, rssMiB(this.pid));
      } catch {
        this.stop();
      }
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): number {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    return this.peak;
  }
}

/** 1-minute load average, to print beside the figures (the machine is shared). */
export function loadAverage(): number {
  const text = fs.readFileSync('/proc/loadavg', 'utf8');
  return Number(text.split(' ')[0]);
}
