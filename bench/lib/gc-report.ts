import type { BenchChild } from './children';

export interface HeapAfterGc {
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  rssMiB: number;
}

const MiB = 1024 * 1024;
const PROBE_LINE = /gc-probe gc=(\w+) heapUsed=(\d+) heapTotal=(\d+) external=(\d+) arrayBuffers=(\d+) rss=(\d+)\n/g;

/** Asks a child started with gc-probe for a full GC and its heap figures (undefined if it does not answer). */
export async function heapAfterGc(child: BenchChild, timeoutMs = 5000): Promise<HeapAfterGc | undefined> {
  const seen = [...child.output().matchAll(PROBE_LINE)].length;
  try {
    process.kill(child.pid, 'SIGUSR2');
  } catch {
    return undefined;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const matches = [...child.output().matchAll(PROBE_LINE)];
    const latest = matches[seen];
    if (latest !== undefined) {
      return {
        heapUsedMiB: Math.round((Number(latest[2]) / MiB) * 10) / 10,
        heapTotalMiB: Math.round((Number(latest[3]) / MiB) * 10) / 10,
        externalMiB: Math.round((Number(latest[4]) / MiB) * 10) / 10,
        rssMiB: Math.round((Number(latest[6]) / MiB) * 10) / 10,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}
