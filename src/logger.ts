import pino from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level: LogLevel;
  /**
   * Human-readable single lines instead of JSON (no pino-pretty dependency: a small formatter).
   * JSON stays the default because log shippers expect it.
   */
  pretty?: boolean;
  /** Where lines go; default stdout. Tests pass a stream to capture them. */
  destination?: pino.DestinationStream;
}

/** Parts of callpark that get their own child logger (`{part}` binding). */
export type LoggerPart = 'engine' | 'sip' | 'media' | 'park' | 'admin' | 'config' | 'cli';

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Formats one pino JSON line as `HH:MM:SS.mmm LEVEL [part] msg key=value…`. */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null) return json;
    record = parsed as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, msg, part, service: _service, pid: _pid, hostname: _hostname, ...rest } = record;
  const clock = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const levelName = typeof level === 'number' ? (LEVEL_NAMES[level] ?? String(level)) : String(level);
  const fields = Object.entries(rest)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const partText = typeof part === 'string' ? ` [${part}]` : '';
  return `${clock} ${levelName.padEnd(5)}${partText} ${typeof msg === 'string' ? msg : ''}${fields === '' ? '' : ` ${fields}`}`;
}

function prettyStream(target: NodeJS.WritableStream): pino.DestinationStream {
  return {
    write(chunk: string): void {
      for (const line of chunk.split('\n')) {
        if (line !== '') target.write(`${prettyLine(line)}\n`);
      }
    },
  };
}

/** The root logger: every line carries `service: 'callpark'`. */
export function createLogger(options: LoggerOptions): pino.Logger {
  const destination = options.destination ?? (options.pretty === true ? prettyStream(process.stdout) : pino.destination({ sync: true }));
  return pino({ level: options.level, base: { service: 'callpark', pid: process.pid } }, destination);
}

/** A child logger for one part of the server, e.g. `partLogger(root, 'engine')`. */
export function partLogger(root: pino.Logger, part: LoggerPart): pino.Logger {
  return root.child({ part });
}
