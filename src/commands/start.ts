import type pino from 'pino';
import { ConfigError, formatHostPort, loadConfig, parseConfig, type Config } from '../config';
import { formatListenSpec, startEngine, type RunningEngine } from '../engine';
import { createLogger } from '../logger';
import { parseArgv, stringFlag, UsageError } from './argv';
import { parseLogLevel } from './engine';
import { EXIT_FAILURE, EXIT_OK, type Command, type CommandIo } from './io';
import { startOptionsApp, type RunningOptionsApp } from './options-app';
import { stopWithin, waitForShutdownSignal } from './shutdown';

const SHUTDOWN_TIMEOUT_MS = 15_000;

/** Something started that must be stopped, in reverse order, on shutdown or a failed start. */
interface Started {
  name: string;
  stop(): Promise<void>;
}

function readConfig(file: string | undefined, io: CommandIo): Config {
  const path = file ?? (io.env.CALLPARK_CONFIG || undefined);
  return path === undefined ? parseConfig('', '(built-in defaults)', { env: io.env }) : loadConfig(path, { env: io.env });
}

async function stopAll(started: Started[], log: pino.Logger): Promise<boolean> {
  let clean = true;
  for (const part of [...started].reverse()) {
    try {
      await stopWithin(() => part.stop(), SHUTDOWN_TIMEOUT_MS);
      log.debug({ component: part.name }, 'stopped');
    } catch (error) {
      clean = false;
      log.error({ err: error, component: part.name }, 'did not stop cleanly');
    }
  }
  return clean;
}

export const startCommand: Command = {
  name: 'start',
  summary: 'run callpark: the SIP engine (unless external) and the SIP application, from a config file',
  usage: `Usage: callpark start [--config FILE] [--log-level LEVEL] [--pretty]

  --config FILE      YAML configuration (default: $CALLPARK_CONFIG, else built-in defaults);
                     see docs/configuration.md; CALLPARK_* environment overrides apply
  --log-level LEVEL  overrides log.level
  --pretty           one human-readable line per log entry instead of JSON

For now the SIP application only answers OPTIONS (200); the park application replaces it.
Stops cleanly on SIGTERM or SIGINT (exit 0).`,
  async run(args, io) {
    const parsed = parseArgv(args, { config: 'string', 'log-level': 'string', pretty: 'boolean' });
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
    let config: Config;
    try {
      config = readConfig(stringFlag(parsed, 'config'), io);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      io.err(error.message);
      return EXIT_FAILURE;
    }
    const log = createLogger({
      level: parseLogLevel(stringFlag(parsed, 'log-level'), config.log.level),
      pretty: parsed.flags.has('pretty') || config.log.pretty,
    });
    log.info({ config: config.source, policies: config.policies.length, mode: config.mode }, 'starting callpark');

    const started: Started[] = [];
    try {
      if (config.engine.embedded) {
        const engine: RunningEngine = await startEngine({
          sip: config.sip.listen.map((listen) => ({ ...listen })),
          admin: { host: config.engine.host, port: config.engine.port },
          secret: config.engine.secret,
          log,
          ...(config.sip.externalAddress === undefined ? {} : { externalAddress: config.sip.externalAddress }),
        });
        started.push({ name: 'engine', stop: () => engine.close() });
        for (const listener of engine.sip) io.out(`SIP listening on ${formatListenSpec(listener)}`);
        io.out(`drachtio admin socket on ${formatHostPort(engine.admin)}`);
        const app: RunningOptionsApp = await startOptionsApp({ ...engine.admin, secret: config.engine.secret }, log.child({ part: 'sip' }));
        started.push({ name: 'sip', stop: () => app.close() });
      } else {
        io.out(`using drachtio-server at ${formatHostPort(config.engine)}`);
        const app = await startOptionsApp(config.engine, log.child({ part: 'sip' }));
        started.push({ name: 'sip', stop: () => app.close() });
      }
    } catch (error) {
      log.error({ err: error }, 'start-up failed');
      io.err(`callpark start: ${error instanceof Error ? error.message : String(error)}`);
      await stopAll(started, log);
      return EXIT_FAILURE;
    }
    io.out('callpark ready (SIP application: OPTIONS only; park application in progress)');

    await waitForShutdownSignal(log);
    const clean = await stopAll(started, log);
    log.info({ clean }, 'callpark stopped');
    return clean ? EXIT_OK : EXIT_FAILURE;
  },
};
