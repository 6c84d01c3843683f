import fs from 'node:fs';
import path from 'node:path';

/**
 * Maps a generated position (0-based line and column) of a compiled file to its TypeScript source
 * through the `.js.map` beside it: enough of the source-map v3 format for profiling reports.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    if (digit < 0) break;
    value += (digit & 31) << shift;
    if ((digit & 32) !== 0) {
      shift += 5;
      continue;
    }
    values.push((value & 1) === 1 ? -(value >> 1) : value >> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

interface Mapping {
  column: number;
  source: number;
  line: number;
}

interface LoadedMap {
  sources: string[];
  lines: Mapping[][];
}

const cache = new Map<string, LoadedMap | null>();

function load(jsFile: string): LoadedMap | null {
  const cached = cache.get(jsFile);
  if (cached !== undefined) return cached;
  let loaded: LoadedMap | null = null;
  try {
    const raw = JSON.parse(fs.readFileSync(`${jsFile}.map`, 'utf8')) as { sources: string[]; mappings: string; sourceRoot?: string };
    const dir = path.dirname(jsFile);
    const sources = raw.sources.map((source) => path.resolve(dir, raw.sourceRoot ?? '', source));
    const lines: Mapping[][] = [];
    let source = 0;
    let line = 0;
    for (const text of raw.mappings.split(';')) {
      let column = 0;
      const row: Mapping[] = [];
      for (const segment of text.split(',')) {
        if (segment === '') continue;
        const fields = decodeVlq(segment);
        column += fields[0] ?? 0;
        if (fields.length >= 4) {
          source += fields[1]!;
          line += fields[2]!;
          row.push({ column, source, line });
        }
      }
      lines.push(row);
    }
    loaded = { sources, lines };
  } catch {
    loaded = null;
  }
  cache.set(jsFile, loaded);
  return loaded;
}

/** `{file, line}` (line 1-based) in the original source, or undefined without a map. */
export function originalPosition(jsFile: string, line0: number, column0: number): { file: string; line: number } | undefined {
  const map = load(jsFile);
  const row = map?.lines[line0];
  if (map === null || map === undefined || row === undefined || row.length === 0) return undefined;
  let best = row[0]!;
  for (const mapping of row) {
    if (mapping.column > column0) break;
    best = mapping;
  }
  const file = map.sources[best.source];
  return file === undefined ? undefined : { file, line: best.line + 1 };
}
