import type pino from 'pino';
import { ConfigError, formatHostPort, loadConfig, parseConfig, type Config } from '../config';
import { formatListenSpec, startEngine, type RunningEngine } from '../engine';
import { createLogger } from '../logger';
import { parseArgv, stringFlag, UsageError } from './argv';
import { parseLogLevel } from './engine';
import { EXIT_FAILURE, EXIT_OK, type Command, type CommandIo } from './io';
import { createSrfApp } from './srf-app';
import { createMediaBackend } from './media';
import { installB2buaFor, sipCounts } from './sip-modules';
import { createParkApp, type ParkApp } from '../sip';
import { installBlf } from '../sip/blf';
import { installSourceFilter } from '../sip/source-filter';
import { ParkService, RetrievalGuard } from '../park';
import { ParkCounters, startAdminServer, type AdminServer, type EngineStats } from '../admin';
import { installCrashHandlers } from './crash-handlers';
import { drainParkedCalls } from './drain';
import { outlastDuplicateSignals, stopWithin, waitForShutdownSignal } from './shutdown';

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

Runs the SIP engine (embedded, unless engine: {host, port, secret} names a drachtio-server), the
media backend (embedded RTP, or FreeSWITCH: parks get 503 until it is connected), busy lamps
(SUBSCRIBE, Event: dialog), the B2BUA in mode b2bua, the park application and the admin API
(loopback by default, bearer token: admin.token or $CALLPARK_ADMIN_TOKEN); OPTIONS gets 200.
SIGTERM or SIGINT drains: /healthz turns 503, new parks are refused, every parked call is rung
back at once, and callpark exits when none is left or after shutdown.drainSeconds (exit 0).
A second signal exits at once.`,
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
    // Listening from here on: a signal during start-up no longer kills the process half started;
    // it is honoured (drain, stop in reverse) as soon as start-up is over.
    const shutdownSignal = waitForShutdownSignal(log);

    const started: Started[] = [];
    const removeCrashHandlers = installCrashHandlers({ log, stop: () => stopAll(started, log), exit: (code) => process.exit(code) });
    let park: ParkService | undefined;
    let app: ParkApp | undefined;
    let admin: AdminServer | undefined;
    try {
      let engineAddress = { host: config.engine.host, port: config.engine.port };
      let engineStats: (() => EngineStats) | undefined;
      if (config.engine.embedded) {
        const engine: RunningEngine = await startEngine({
          sip: config.sip.listen.map((listen) => ({ ...listen })),
          admin: engineAddress,
          secret: config.engine.secret,
          overload: { maxReceiveQueueBytes: config.sip.admission.maxReceiveQueueBytes, retryAfterSeconds: config.sip.admission.retryAfterSeconds },
          log,
          ...(config.sip.externalAddress === undefined ? {} : { externalAddress: config.sip.externalAddress }),
        });
        started.push({ name: 'engine', stop: () => engine.close() });
        for (const listener of engine.sip) io.out(`SIP listening on ${formatListenSpec(listener)}`);
        io.out(`drachtio admin socket on ${formatHostPort(engine.admin)}`);
        engineAddress = engine.admin;
        engineStats = () => engine.stats();
      } else {
        io.out(`using drachtio-server at ${formatHostPort(engineAddress)}`);
      }
      const parkService = new ParkService({ policies: config.policies, log: log.child({ part: 'park' }) });
      park = parkService;
      started.push({ name: 'park', stop: async () => parkService.stop() });
      // Counted from the first call on, though the admin server only starts last.
      const counters = new ParkCounters(parkService);
      const guard = new RetrievalGuard({ limit: config.security.retrievalLimit });

      const sipApp = createSrfApp(log.child({ part: 'sip' }));
      started.push({ name: 'sip', stop: () => sipApp.close() });
      const { srf } = sipApp;
      const { backend: media, started: mediaStarted } = createMediaBackend({
        config: config.media,
        srf,
        log,
        onFreeswitchReady: () => io.out('FreeSWITCH connected: parks are accepted'),
      });
      started.push({ name: 'media', stop: () => media.stop() });
      await mediaStarted;
      // srf runs middleware in the order installed: the source filter sees INVITEs and SUBSCRIBEs
      // first, then lamps see SUBSCRIBEs, the B2BUA sees INVITEs before the park app (whose INVITE
      // handler never passes on).
      installSourceFilter(srf, config.sip.allowedSources, log.child({ part: 'sip' }));
      const blf = installBlf({ srf, park: parkService, config, log, limits: config.blf });
      started.push({ name: 'blf', stop: () => blf.stop() });
      // Legs the B2BUA parks by REFER are handed to the park app (created next) for retrieval and ring back.
      const adopter: { app?: ParkApp } = {};
      const b2bua = installB2buaFor(config, {
        srf,
        park: parkService,
        media,
        log,
        adoptParkedLeg: (leg) => adopter.app?.adoptParkedLeg(leg),
        retrievalGuard: guard,
      });
      if (b2bua !== undefined) started.push({ name: 'b2bua', stop: () => b2bua.stop() });
      const parkApp = createParkApp({
        srf,
        config,
        park: parkService,
        media,
        log,
        retrievalGuard: guard,
        unreferredParkDelayMs: config.park.unreferredParkDelaySeconds * 1000,
        admissionLimits: config.sip.admission,
      });
      adopter.app = parkApp;
      app = parkApp;
      started.push({ name: 'park-app', stop: () => parkApp.stop() });
      await sipApp.connect({ host: engineAddress.host, port: engineAddress.port, secret: config.engine.secret });

      const adminServer = await startAdminServer({
        listen: { host: config.admin.host, port: config.admin.port },
        token: config.admin.token,
        park: parkService,
        counters,
        guard,
        mediaSessions: () => media.activeSessions(),
        log: log.child({ part: 'admin' }),
        ...(engineStats === undefined ? {} : { engineStats }),
        appCounts: () => sipCounts(parkApp, blf, b2bua),
        retrieveTo: (callId, uri) => parkApp.retrieveTo(callId, uri),
      });
      admin = adminServer;
      started.push({ name: 'admin', stop: () => adminServer.close() });
      io.out(`admin API on ${adminServer.url}${config.admin.tokenGenerated ? ' (token generated at random: set admin.token or CALLPARK_ADMIN_TOKEN to use it)' : ''}`);
      if (config.admin.tokenGenerated) log.warn('no admin.token configured: the admin API uses a random token nobody knows');
    } catch (error) {
      log.error({ err: error }, 'start-up failed');
      io.err(`callpark start: ${error instanceof Error ? error.message : String(error)}`);
      await stopAll(started, log);
      removeCrashHandlers();
      return EXIT_FAILURE;
    }
    io.out(`callpark ready: park extension ${config.park.extension}, ${config.policies.length} ${config.policies.length === 1 ? 'policy' : 'policies'}`);

    await shutdownSignal;
    const signalledAt = Date.now();
    if (park !== undefined) {
      await drainParkedCalls({
        park,
        deadlineMs: config.shutdown.drainSeconds * 1000,
        log,
        ...(app === undefined ? {} : { app }),
        ...(admin === undefined ? {} : { admin }),
      });
    }
    const clean = await stopAll(started, log);
    removeCrashHandlers();
    log.info({ clean }, 'callpark stopped');
    await outlastDuplicateSignals(signalledAt);
    return clean ? EXIT_OK : EXIT_FAILURE;
  },
};
