import fs from 'node:fs';
import path from 'node:path';
import { spawnBounded, type BoundedProcess } from './process';

/** Root of the repository (tests run from anywhere). */
export const REPO_ROOT = path.resolve(__dirname, '../..');
/** The compiled CLI; `npm test` builds it in pretest, `npm run build` does it by hand. */
export const CLI_JS = path.join(REPO_ROOT, 'dist/src/cli.js');

/** Thrown when dist/src/cli.js is missing: the build has not run. */
export class CliNotBuiltError extends Error {
  override readonly name = 'CliNotBuiltError';
}

/** Spawns `node dist/src/cli.js ...args` under a hard timeout, with `env` added to the environment. */
export function spawnCli(args: string[], options: { env?: Record<string, string>; timeoutSeconds?: number } = {}): BoundedProcess {
  if (!fs.existsSync(CLI_JS)) throw new CliNotBuiltError(`${CLI_JS} is missing: run npm run build first`);
  return spawnBounded(process.execPath, [CLI_JS, ...args], {
    timeoutSeconds: options.timeoutSeconds ?? 30,
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
  });
}
