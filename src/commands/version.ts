import fs from 'node:fs';
import path from 'node:path';

/** callpark's version from its package.json, found by walking up from this file (src/ or dist/src/). */
export function callparkVersion(): string {
  let dir = __dirname;
  for (let depth = 0; depth < 5; depth++) {
    const candidate = path.join(dir, 'package.json');
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(candidate, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && 'name' in parsed && parsed.name === 'callpark' && 'version' in parsed) {
        return String(parsed.version);
      }
    } catch {
      // not here; keep walking up
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}
