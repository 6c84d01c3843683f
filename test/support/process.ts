import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/**
 * Helpers for tests that run other programs: bounded spawning, waiting for output,
 * waiting for a port to be bound, and killing by PID.
 */

function hexPortOf(localAddress: string): number {
  const colon = localAddress.lastIndexOf(':');
  return parseInt(localAddress.slice(colon + 1), 16);
}

const TCP_LISTEN = '0A';

/**
 * True when some socket on this machine is bound to `port` (UDP) or listening on it (TCP),
 * per /proc/net (Linux). Does not bind anything itself, so it cannot steal the port.
 */
export function isPortBound(protocol: 'udp' | 'tcp', port: number): boolean {
  for (const table of [`/proc/net/${protocol}`, `/proc/net/${protocol}6`]) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4) continue;
      if (hexPortOf(fields[1]!) !== port) continue;
      if (protocol === 'tcp' && fields[3] !== TCP_LISTEN) continue;
      return true;
    }
  }
  return false;
}

export interface WaitForPortOptions {
  protocol: 'udp' | 'tcp';
  port: number;
  timeoutMs: number;
  /** Stop waiting early (returning false) when this says the process is gone. */
  stillRunning?: () => boolean;
  pollMs?: number;
}

/** Polls until the port is bound; false on timeout or when `stillRunning` turns false. */
export async function waitForListeningPort(options: WaitForPortOptions): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (isPortBound(options.protocol, options.port)) return true;
    if (options.stillRunning !== undefined && !options.stillRunning()) return false;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 25));
  }
  return isPortBound(options.protocol, options.port);
}

export interface BoundedSpawnOptions {
  /** Hard bound: the process runs under coreutils `timeout` with this many seconds. */
  timeoutSeconds: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface BoundedProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<ProcessExit>;
  /** Resolves with the first match in stdout+stderr; rejects on timeout or exit without a match. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Sends `signal` (default SIGTERM) by PID and waits for the exit; SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ProcessExit>;
}

/** A spawned process did not print what was expected in time. */
export class OutputTimeoutError extends Error {
  override readonly name = 'OutputTimeoutError';
}

const spawned = new Set<BoundedProcess>();

/**
 * Spawns `command args` under `timeout -k 5 N`, capturing stdout/stderr. Signals sent to the
 * handle reach the command because coreutils timeout forwards them.
 */
export function spawnBounded(command: string, args: string[], options: BoundedSpawnOptions): BoundedProcess {
  const child = spawn('timeout', ['-k', '5', String(options.timeoutSeconds), command, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const notify = (): void => listeners.forEach((listener) => listener());
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    notify();
  });
  let exitInfo: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('error', () => resolve({ code: null, signal: null }));
    // 'close' rather than 'exit': all output has been read by then.
    child.once('close', (code, signal) => resolve({ code, signal }));
  }).then((info) => {
    exitInfo = info;
    spawned.delete(handle);
    notify();
    return info;
  });

  const handle: BoundedProcess = {
    pid: child.pid ?? -1,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = (out + err).match(pattern);
          if (match !== null) {
            done();
            resolve(match);
          } else if (exitInfo !== undefined) {
            done();
            reject(new OutputTimeoutError(`process exited (${exitInfo.code ?? exitInfo.signal}) without printing ${pattern}; output:\n${out}${err}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new OutputTimeoutError(`no ${pattern} within ${timeoutMs} ms; output:\n${out}${err}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 5000) {
      if (exitInfo !== undefined) return exitInfo;
      signalPid(handle.pid, signal);
      const escalation = setTimeout(() => signalPid(handle.pid, 'SIGKILL'), graceMs);
      const info = await exited;
      clearTimeout(escalation);
      return info;
    },
  };
  spawned.add(handle);
  return handle;
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Stops every process spawned with spawnBounded that is still running (use in afterAll). */
export async function killAllSpawned(): Promise<void> {
  await Promise.all([...spawned].map((handle) => handle.stop('SIGTERM', 3000)));
}
