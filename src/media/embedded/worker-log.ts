import pino, { type Logger } from 'pino';

/**
 * A pino logger for the RTP worker whose records go to `post` as JSON lines, without time, pid or
 * host name: the main thread's logger adds those when it writes them (relayLogRecord).
 */
export function createForwardingLogger(level: string, post: (line: string) => void): Logger {
  return pino({ level, base: undefined, timestamp: false }, { write: post });
}

/** Writes a record from createForwardingLogger through `log`, keeping its level, message and fields. */
export function relayLogRecord(log: Logger, line: string): void {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    log.warn({ line }, 'unparsable log record from the RTP worker');
    return;
  }
  const { level, msg, ...fields } = record;
  const label = typeof level === 'number' ? log.levels.labels[level] : undefined;
  const write = label === 'fatal' || label === 'error' || label === 'warn' || label === 'info' || label === 'debug' || label === 'trace' ? label : 'info';
  log[write](fields, typeof msg === 'string' ? msg : '');
}
