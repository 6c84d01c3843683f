import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths';
import { originalPosition } from './source-map';

/** Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`) into self-time hot spots. */

interface ProfileNode {
  id: number;
  hitCount?: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface HotSpot {
  /** `function (file:line)`, file relative to the repository. */
  where: string;
  selfPercent: number;
  selfMs: number;
}

function isCpuProfile(value: unknown): value is CpuProfile {
  return typeof value === 'object' && value !== null && Array.isArray((value as { nodes?: unknown }).nodes);
}

function describe(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return name;
  const file = frame.url.startsWith('file://') ? frame.url.slice('file://'.length) : frame.url;
  // V8 positions are 0-based; compiled project files are reported at their TypeScript line.
  const original = file.startsWith(REPO_ROOT) ? originalPosition(file, frame.lineNumber, frame.columnNumber) : undefined;
  const shown = original ?? { file, line: frame.lineNumber + 1 };
  const relative = shown.file.startsWith(REPO_ROOT) ? path.relative(REPO_ROOT, shown.file) : shown.file;
  return `${name} (${relative}:${shown.line})`;
}

/** The `top` functions by self time; idle and GC are kept (they say where the time went too). */
export function hotSpots(file: string, top = 15): HotSpot[] {
  const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!isCpuProfile(parsed)) throw new Error(`${file} is not a V8 CPU profile`);
  const totalHits = parsed.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const durationMs = (parsed.endTime - parsed.startTime) / 1000;
  const byPlace = new Map<string, number>();
  for (const node of parsed.nodes) {
    const key = describe(node.callFrame);
    byPlace.set(key, (byPlace.get(key) ?? 0) + (node.hitCount ?? 0));
  }
  return [...byPlace.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, hits]) => ({
      where,
      selfPercent: totalHits === 0 ? 0 : Math.round((hits / totalHits) * 1000) / 10,
      selfMs: totalHits === 0 ? 0 : Math.round((hits / totalHits) * durationMs),
    }));
}

/** The newest `.cpuprofile` in a directory. */
export function newestProfile(dir: string): string | undefined {
  const files = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => path.join(dir, name))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return files[0];
}
