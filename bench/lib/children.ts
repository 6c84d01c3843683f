import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/**
 * Child processes a benchmark starts: each bounded by a hard deadline, killed by PID, and
 * remembered so that `stopAllChildren()` (also run on SIGINT/SIGTERM of the bench) leaves nothing behind.
 */

export interface BenchChild {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match in the output; rejects on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGTERM by PID, SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export class ChildStartError extends Error {
  override readonly name = 'ChildStartError';
}

const running = new Set<BenchChild>();

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  /** Hard bound: the child is killed after this long whatever happens. */
  maxLifetimeMs: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Also append the output to this file (for post-mortems). */
  logFile?: string;
}

const OUTPUT_LIMIT = 1 << 20;

export function spawnChild(options: SpawnOptions): BenchChild {
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new ChildStartError(`${options.name}: could not spawn ${options.command}`);
  const pid = child.pid;
  let text = '';
  const log = options.logFile === undefined ? undefined : fs.createWriteStream(options.logFile);
  const onData = (chunk: Buffer): void => {
    const piece = chunk.toString('utf8');
    text = (text + piece).slice(-OUTPUT_LIMIT);
    log?.write(piece);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(deadline);
      log?.end();
      running.delete(handle);
      resolve(code);
    });
  });
  const deadline = setTimeout(() => killPid(pid, 'SIGKILL'), options.maxLifetimeMs);
  deadline.unref();

  const waitFor = (pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      const poll = (): void => {
        const match = pattern.exec(text);
        if (match !== null) return resolve(match);
        if (child.exitCode !== null || child.signalCode !== null) {
          return reject(new ChildStartError(`${options.name} exited (${child.exitCode ?? child.signalCode}) before ${pattern}: ${text.slice(-2000)}`));
        }
        if (Date.now() - started > timeoutMs) return reject(new ChildStartError(`${options.name}: no ${pattern} within ${timeoutMs} ms: ${text.slice(-2000)}`));
        setTimeout(poll, 20);
      };
      poll();
    });

  const stop = async (graceMs = 5000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killPid(pid, 'SIGTERM');
    const escalate = setTimeout(() => killPid(pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(escalate);
  };

  const handle: BenchChild = { name: options.name, pid, exited, output: () => text, waitFor, stop };
  running.add(handle);
  return handle;
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop(2000)));
}

let handlersInstalled = false;

/** On SIGINT/SIGTERM of the bench itself: stop every child, then exit. */
export function installExitCleanup(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\nbench: ${signal}, stopping children\n`);
    void stopAllChildren().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => {
    for (const child of running) killPid(child.pid, 'SIGKILL');
  });
}
