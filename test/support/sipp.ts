import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';
import { waitForListeningPort } from './process';

/**
 * A typed runner for SIPp 3.6 (Debian `sip-tester`, binary `sipp`).
 * Every run gets its own temp directory holding stdout, the stats CSV and the traces;
 * every process is bounded by coreutils `timeout` and tracked for `killAllSipp()`.
 */

/** `-t`: u1 = one UDP socket, un = one UDP socket per call, t1/tn the same for TCP. */
export type SippTransport = 'u1' | 'un' | 't1' | 'tn';

export interface SippInjection {
  /** First line of the CSV: how SIPp walks the rows. */
  order: 'SEQUENTIAL' | 'RANDOM' | 'USER';
  /** Fields of each row; use them in the scenario as [field0], [field1], … */
  rows: string[][];
}

export interface SippMediaOptions {
  /** `-mi`: local media IP (default: the local SIP IP). */
  ip?: string;
  /** `-mp`: local RTP port; SIPp also binds port + 2. */
  port?: number;
  /** `-rtp_echo`: echo received RTP back to its sender. */
  rtpEcho?: boolean;
}

export interface SippOptions {
  /** A built-in scenario name (`uac`, `uas`, `regexp`, …) or a path to an XML scenario file. */
  scenario: string;
  /** Target `host:port` (IPv6 as `[::1]:5060`); omit for a UAS. */
  remote?: string;
  /** Default `u1`. */
  transport?: SippTransport;
  /** `-i`: local IP for binding, Via, Contact and From. Default 127.0.0.1. */
  localIp?: string;
  /** `-p`: local SIP port. 0 or absent: a free one is picked (SIPp's own default would be 5060). */
  localPort?: number;
  /** `-r`: calls per second. */
  callRate?: number;
  /** `-m`: stop after this many calls. */
  totalCalls?: number;
  /** `-l`: most simultaneous calls. */
  concurrentLimit?: number;
  /** `-lost`: percent of packets SIPp drops on purpose (to exercise retransmissions). */
  lostPercent?: number;
  /**
   * SIPp's own `-timeout` in seconds (soft: it can overrun under load); the process is also wrapped
   * in coreutils `timeout` with a margin. Default 30.
   */
  timeoutSeconds?: number;
  /** `-timeout_error`: reaching `-timeout` counts as failure. */
  timeoutIsError?: boolean;
  /** `-inf`: an existing injection CSV. */
  injectionFile?: string;
  /** Rows written to a CSV in the run directory and passed with `-inf`. */
  injection?: SippInjection;
  /** `-key k v` each: scenario keywords, used as [k]. */
  keys?: Record<string, string>;
  /** `-set k v` each: global scenario variables. */
  variables?: Record<string, string>;
  /** `-s`: user part of the Request-URI (default `service`). */
  service?: string;
  media?: SippMediaOptions;
  /** `-buff_size`: socket send/receive buffer, bytes. */
  buffSize?: number;
  /** Trace every message to the messages log (default true; turn off for load runs). */
  traceMessages?: boolean;
  /** Working directory for SIPp (relative paths inside scenarios, e.g. pcap files). Default process.cwd(). */
  cwd?: string;
  /** Appended verbatim after everything else. */
  extraArgs?: string[];
}

/** Final counters from the `-trace_stat` CSV; `raw` has every column by header name. */
export interface SippStats {
  successful: number;
  failed: number;
  retransmissions: number;
  /** CallRate(C): cumulative calls per second. */
  callRate: number;
  totalCallsCreated: number;
  raw: Record<string, string>;
}

export type SippOutcome =
  | 'ok'
  | 'call-failed'
  | 'timeout'
  | 'no-calls'
  | 'bind-failed'
  | 'fatal'
  | 'hard-timeout'
  | 'killed'
  | 'unknown';

export interface SippFiles {
  dir: string;
  stdout: string;
  stats: string;
  messages: string;
  errors: string;
  /** `<log message=…/>` output of the scenario (`-trace_logs`). */
  logs: string;
  /** Final statistics screen (`-trace_screen`). */
  screen: string;
}

export interface SippResult {
  /** Exit code of the `timeout sipp …` process; null when killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  outcome: SippOutcome;
  /** One line for assertion messages: outcome, exit code, counters, run directory. */
  summary: string;
  /** Null when SIPp wrote no statistics (e.g. it could not bind). */
  stats: SippStats | null;
  elapsedMs: number;
  /** The full command line, for reproducing a run by hand. */
  command: string[];
  files: SippFiles;
  stdoutText(): string;
  messagesLog(): string;
  errorLog(): string;
  actionLog(): string;
  screenText(): string;
}

export interface SippHandle {
  readonly pid: number;
  /** The SIP port SIPp listens on. */
  readonly port: number;
  readonly files: SippFiles;
  readonly result: Promise<SippResult>;
  /** SIGTERM (SIPp quits cleanly and writes its final stats); resolves with the result. */
  kill(signal?: NodeJS.Signals): Promise<SippResult>;
}

/** SIPp could not be started, or exited before it was ready. */
export class SippStartError extends Error {
  override readonly name = 'SippStartError';
  constructor(
    message: string,
    readonly result?: SippResult,
  ) {
    super(message);
  }
}

const HARD_TIMEOUT_MARGIN_SECONDS = 15;
const KILL_AFTER_SECONDS = 5;

const OUTCOME_BY_EXIT_CODE: Record<number, SippOutcome> = {
  0: 'ok',
  1: 'call-failed',
  97: 'timeout',
  99: 'no-calls',
  124: 'hard-timeout',
  137: 'killed',
  254: 'bind-failed',
  255: 'fatal',
};

const OUTCOME_TEXT: Record<SippOutcome, string> = {
  ok: 'all calls succeeded',
  'call-failed': 'at least one call failed',
  timeout: 'SIPp -timeout reached or internal exit',
  'no-calls': 'exited without processing calls',
  'bind-failed': 'could not bind its socket (port in use?)',
  fatal: 'fatal error (see stdout)',
  'hard-timeout': 'killed by the coreutils timeout bound',
  killed: 'killed by a signal',
  unknown: 'unexpected exit status',
};

/** Maps an exit status of `timeout … sipp …` to an outcome (test-tools.md's table plus coreutils'). */
export function sippOutcome(exitCode: number | null, signal: NodeJS.Signals | null = null): SippOutcome {
  if (exitCode === null) return signal === null ? 'unknown' : 'killed';
  return OUTCOME_BY_EXIT_CODE[exitCode] ?? 'unknown';
}

export function describeSippOutcome(outcome: SippOutcome): string {
  return OUTCOME_TEXT[outcome];
}

const live = new Set<ChildProcess>();

function isScenarioFile(scenario: string): boolean {
  return scenario.endsWith('.xml') || scenario.includes('/');
}

function writeInjection(dir: string, injection: SippInjection): string {
  const file = path.join(dir, 'injection.csv');
  const lines = [injection.order, ...injection.rows.map((row) => row.join(';'))];
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

function runFiles(dir: string): SippFiles {
  return {
    dir,
    stdout: path.join(dir, 'stdout.txt'),
    stats: path.join(dir, 'stats.csv'),
    messages: path.join(dir, 'messages.log'),
    errors: path.join(dir, 'errors.log'),
    logs: path.join(dir, 'logs.log'),
    screen: path.join(dir, 'screen.log'),
  };
}

/** Builds the argv for `sipp` (without the `timeout` wrapper). Exported for tests and debugging. */
export function buildSippArgs(options: SippOptions, files: SippFiles, injectionFile: string | undefined): string[] {
  const args: string[] = [];
  if (options.remote !== undefined) args.push(options.remote);
  args.push(isScenarioFile(options.scenario) ? '-sf' : '-sn');
  args.push(isScenarioFile(options.scenario) ? path.resolve(options.cwd ?? process.cwd(), options.scenario) : options.scenario);
  args.push('-t', options.transport ?? 'u1');
  args.push('-i', options.localIp ?? '127.0.0.1');
  if (options.localPort !== undefined && options.localPort !== 0) args.push('-p', String(options.localPort));
  if (options.callRate !== undefined) args.push('-r', String(options.callRate));
  if (options.totalCalls !== undefined) args.push('-m', String(options.totalCalls));
  if (options.concurrentLimit !== undefined) args.push('-l', String(options.concurrentLimit));
  if (options.lostPercent !== undefined) args.push('-lost', String(options.lostPercent));
  args.push('-timeout', `${options.timeoutSeconds ?? 30}s`);
  if (options.timeoutIsError === true) args.push('-timeout_error');
  if (injectionFile !== undefined) args.push('-inf', injectionFile);
  for (const [key, value] of Object.entries(options.keys ?? {})) args.push('-key', key, value);
  for (const [name, value] of Object.entries(options.variables ?? {})) args.push('-set', name, value);
  if (options.service !== undefined) args.push('-s', options.service);
  if (options.media?.ip !== undefined) args.push('-mi', options.media.ip);
  if (options.media?.port !== undefined) args.push('-mp', String(options.media.port));
  if (options.media?.rtpEcho === true) args.push('-rtp_echo');
  if (options.buffSize !== undefined) args.push('-buff_size', String(options.buffSize));
  args.push('-nostdin');
  args.push('-trace_stat', '-stf', files.stats, '-fd', '1');
  args.push('-trace_err', '-error_file', files.errors);
  if (options.traceMessages !== false) args.push('-trace_msg', '-message_file', files.messages);
  args.push('-trace_logs', '-log_file', files.logs);
  args.push('-trace_screen', '-screen_file', files.screen);
  args.push(...(options.extraArgs ?? []));
  return args;
}

/** Reads the header and the last data row of a `-trace_stat` CSV. */
export function parseSippStats(csv: string): SippStats | null {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  if (lines.length < 2) return null;
  const header = lines[0]!.split(';');
  const values = lines[lines.length - 1]!.split(';');
  const raw: Record<string, string> = {};
  header.forEach((name, index) => {
    if (name !== '') raw[name] = values[index] ?? '';
  });
  const num = (column: string): number => {
    const value = Number(raw[column]);
    return Number.isFinite(value) ? value : 0;
  };
  return {
    successful: num('SuccessfulCall(C)'),
    failed: num('FailedCall(C)'),
    retransmissions: num('Retransmissions(C)'),
    callRate: num('CallRate(C)'),
    totalCallsCreated: num('TotalCallCreated'),
    raw,
  };
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

interface Launched {
  child: ChildProcess;
  files: SippFiles;
  result: Promise<SippResult>;
}

function launch(options: SippOptions): Launched {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callpark-sipp-'));
  const files = runFiles(dir);
  const injectionFile =
    options.injection !== undefined ? writeInjection(dir, options.injection) : options.injectionFile && path.resolve(options.injectionFile);
  const sippArgs = buildSippArgs(options, files, injectionFile);
  const hardSeconds = (options.timeoutSeconds ?? 30) + HARD_TIMEOUT_MARGIN_SECONDS;
  const command = ['timeout', '-k', `${KILL_AFTER_SECONDS}`, `${hardSeconds}`, 'sipp', ...sippArgs];
  const out = fs.openSync(files.stdout, 'w');
  const started = performance.now();
  let child: ChildProcess;
  try {
    child = spawn(command[0]!, command.slice(1), { cwd: options.cwd ?? process.cwd(), stdio: ['ignore', out, out] });
  } finally {
    fs.closeSync(out);
  }
  live.add(child);
  const result = new Promise<SippResult>((resolve) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
      live.delete(child);
      const elapsedMs = Math.round(performance.now() - started);
      const stats = parseSippStats(readOrEmpty(files.stats));
      const outcome = sippOutcome(exitCode, signal);
      const counters = stats === null ? 'no stats' : `successful=${stats.successful} failed=${stats.failed} retransmissions=${stats.retransmissions}`;
      const summary = `sipp ${options.scenario}: ${outcome} (${describeSippOutcome(outcome)}; exit ${exitCode ?? signal}), ${counters}, ${elapsedMs} ms, logs in ${dir}`;
      resolve({
        exitCode,
        signal,
        outcome,
        summary,
        stats,
        elapsedMs,
        command,
        files,
        stdoutText: () => readOrEmpty(files.stdout),
        messagesLog: () => readOrEmpty(files.messages),
        errorLog: () => readOrEmpty(files.errors),
        actionLog: () => readOrEmpty(files.logs),
        screenText: () => readOrEmpty(files.screen),
      });
    };
    child.once('error', () => finish(null, null));
    child.once('exit', (code, signal) => finish(code, signal));
  });
  return { child, files, result };
}

/**
 * Runs SIPp to completion (e.g. a UAC making N calls). Never rejects: inspect `outcome`/`stats`.
 * Without `localPort`, a free port is picked: SIPp itself would take 5060 whenever it is free.
 */
export async function runSipp(options: SippOptions): Promise<SippResult> {
  return launch(await withLocalPort(options)).result;
}

async function withLocalPort(options: SippOptions): Promise<SippOptions & { localIp: string; localPort: number }> {
  const localIp = options.localIp ?? '127.0.0.1';
  const localPort =
    options.localPort !== undefined && options.localPort !== 0 ? options.localPort : await freePort(listenProtocol(options.transport), localIp);
  return { ...options, localIp, localPort };
}

function listenProtocol(transport: SippTransport | undefined): 'udp' | 'tcp' {
  return transport === 't1' || transport === 'tn' ? 'tcp' : 'udp';
}

/**
 * Starts SIPp in the background (typically a UAS peer) and resolves once its SIP port is bound.
 * Picks a free port when `localPort` is absent or 0. Rejects with SippStartError if SIPp exits first.
 */
export async function startSipp(options: SippOptions, readyTimeoutMs = 10000): Promise<SippHandle> {
  const protocol = listenProtocol(options.transport);
  const resolved = await withLocalPort(options);
  const port = resolved.localPort;
  const { child, files, result } = launch(resolved);
  let exited: SippResult | undefined;
  void result.then((finished) => {
    exited = finished;
  });
  const ready = await waitForListeningPort({ protocol, port, timeoutMs: readyTimeoutMs, stillRunning: () => exited === undefined });
  if (!ready) {
    if (exited === undefined) {
      const killed = await stopChild(child, result, 'SIGKILL');
      throw new SippStartError(`SIPp did not bind ${protocol} port ${port} within ${readyTimeoutMs} ms; ${killed.summary}`, killed);
    }
    throw new SippStartError(`SIPp exited before binding ${protocol} port ${port}: ${exited.summary}`, exited);
  }
  return {
    pid: child.pid ?? -1,
    port,
    files,
    result,
    kill: (signal = 'SIGTERM') => stopChild(child, result, signal),
  };
}

async function stopChild(child: ChildProcess, result: Promise<SippResult>, signal: NodeJS.Signals): Promise<SippResult> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    try {
      process.kill(child.pid, signal);
    } catch {
      // already gone
    }
    // The coreutils wrapper forwards the signal; if SIPp ignores it, escalate.
    const escalation = setTimeout(() => {
      try {
        if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, KILL_AFTER_SECONDS * 1000);
    escalation.unref();
    const finished = await result;
    clearTimeout(escalation);
    return finished;
  }
  return result;
}

/** Kills every SIPp started by this process that is still running (use in afterAll). */
export async function killAllSipp(): Promise<void> {
  const running = [...live];
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
            resolve();
            return;
          }
          child.once('exit', () => resolve());
          try {
            process.kill(child.pid, 'SIGTERM');
          } catch {
            resolve();
          }
          setTimeout(() => {
            try {
              if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }, KILL_AFTER_SECONDS * 1000).unref();
        }),
    ),
  );
}

/** How many SIPp processes started here are still running (for leak checks). */
export function liveSippCount(): number {
  return live.size;
}
