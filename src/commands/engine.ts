import { AddressSyntaxError, formatHostPort, isLoopbackHost, parseHostPort, type HostPort } from '../config';
import { LOG_LEVELS, createLogger, type LogLevel } from '../logger';
import { formatListenSpec, ListenSpecError, parseListenSpec, startEngine, type ListenSpec, type RunningEngine } from '../engine';
import { parseArgv, stringFlag, UsageError } from './argv';
import { EXIT_FAILURE, EXIT_OK, type Command } from './io';
import { outlastDuplicateSignals, stopWithin, waitForShutdownSignal } from './shutdown';

export const DEFAULT_ENGINE_SIP = 'udp/127.0.0.1:5060,tcp/127.0.0.1:5060';
export const DEFAULT_ENGINE_ADMIN = '127.0.0.1:9022';
/** drachtio-server's documented example secret; accepted only as a loud default. */
export const DEFAULT_ENGINE_SECRET = 'cymru';
const SHUTDOWN_TIMEOUT_MS = 10_000;

function parseSipList(text: string): ListenSpec[] {
  const specs = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (specs.length === 0) throw new UsageError('--sip needs at least one listener');
  try {
    return specs.map(parseListenSpec);
  } catch (error) {
    if (error instanceof ListenSpecError) throw new UsageError(`--sip: ${error.message}`);
    throw error;
  }
}

const OVERLOAD_RETRY_AFTER_SECONDS = 2;

function parseByteCount(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text)) throw new UsageError(`--max-receive-queue must be a whole number of bytes, got "${text}"`);
  return Number(text);
}

export function parseLogLevel(text: string | undefined, fallback: LogLevel): LogLevel {
  if (text === undefined) return fallback;
  const level = LOG_LEVELS.find((candidate) => candidate === text);
  if (level === undefined) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

export const engineCommand: Command = {
  name: 'engine',
  summary: 'run only the embedded SIP engine (a drachtio-server stand-in for any drachtio-srf app)',
  usage: `Usage: callpark engine [--sip LISTENERS] [--admin HOST:PORT] [--secret SECRET]
                       [--external-address IP] [--max-receive-queue BYTES] [--log-level LEVEL] [--pretty]

  --sip LISTENERS       comma-separated udp|tcp/HOST:PORT (IPv6 as [::1]); port 0 = any free port
                        (default ${DEFAULT_ENGINE_SIP})
  --admin HOST:PORT     drachtio admin socket for apps (default ${DEFAULT_ENGINE_ADMIN})
  --secret SECRET       shared secret apps authenticate with (default: $CALLPARK_ENGINE_SECRET,
                        else "${DEFAULT_ENGINE_SECRET}" with a warning; allowed only on a loopback admin address)
  --external-address IP address advertised in Via/Contact instead of the bound one (NAT)
  --max-receive-queue BYTES
                        answer new INVITEs 503 (Retry-After: 2) while the UDP listeners' kernel
                        receive queues hold more than BYTES (Linux; default 0: off, as drachtio-server)
  --log-level LEVEL     ${LOG_LEVELS.join('|')} (default info)
  --pretty              one human-readable line per log entry instead of JSON

Stops cleanly on SIGTERM or SIGINT (exit 0).`,
  async run(args, io) {
    const parsed = parseArgv(args, {
      sip: 'string',
      admin: 'string',
      secret: 'string',
      'external-address': 'string',
      'max-receive-queue': 'string',
      'log-level': 'string',
      pretty: 'boolean',
    });
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
    const sip = parseSipList(stringFlag(parsed, 'sip') ?? DEFAULT_ENGINE_SIP);
    let admin: HostPort;
    try {
      admin = parseHostPort(stringFlag(parsed, 'admin') ?? DEFAULT_ENGINE_ADMIN);
    } catch (error) {
      if (error instanceof AddressSyntaxError) throw new UsageError(`--admin: ${error.message}`);
      throw error;
    }
    const log = createLogger({ level: parseLogLevel(stringFlag(parsed, 'log-level'), 'info'), pretty: parsed.flags.has('pretty') });
    const configuredSecret = stringFlag(parsed, 'secret') ?? (io.env.CALLPARK_ENGINE_SECRET || undefined);
    const secret = configuredSecret ?? DEFAULT_ENGINE_SECRET;
    if (configuredSecret === undefined) {
      if (!isLoopbackHost(admin.host)) {
        throw new UsageError(`--secret (or CALLPARK_ENGINE_SECRET) is required when the admin socket is not on loopback`);
      }
      log.warn({ admin: formatHostPort(admin) }, `no --secret or CALLPARK_ENGINE_SECRET: apps authenticate with the default "${DEFAULT_ENGINE_SECRET}"`);
    }
    const externalAddress = stringFlag(parsed, 'external-address');
    const maxReceiveQueueBytes = parseByteCount(stringFlag(parsed, 'max-receive-queue'));

    // Listening before the engine starts, so a signal during start-up still closes it cleanly.
    const shutdownSignal = waitForShutdownSignal(log);
    let engine: RunningEngine;
    try {
      engine = await startEngine({
        sip,
        admin,
        secret,
        log,
        ...(externalAddress === undefined ? {} : { externalAddress }),
        ...(maxReceiveQueueBytes === 0 ? {} : { overload: { maxReceiveQueueBytes, retryAfterSeconds: OVERLOAD_RETRY_AFTER_SECONDS } }),
      });
    } catch (error) {
      log.error({ err: error }, 'engine failed to start');
      io.err(`callpark engine: cannot start: ${error instanceof Error ? error.message : String(error)}`);
      return EXIT_FAILURE;
    }
    for (const listener of engine.sip) io.out(`SIP listening on ${formatListenSpec(listener)}`);
    io.out(`drachtio admin socket on ${formatHostPort(engine.admin)}`);

    await shutdownSignal;
    const signalledAt = Date.now();
    try {
      await stopWithin(() => engine.close(), SHUTDOWN_TIMEOUT_MS);
    } catch (error) {
      log.error({ err: error }, 'engine did not close cleanly');
      return EXIT_FAILURE;
    }
    log.info('engine stopped');
    await outlastDuplicateSignals(signalledAt);
    return EXIT_OK;
  },
};
