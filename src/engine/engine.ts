/**
 * Composition of the embedded SIP engine: transport → transactions → SIP core → control socket,
 * torn down in reverse by close(). Behaves towards drachtio-srf apps as drachtio-server does.
 */
import { isIPv6 } from 'node:net';
import { ControlServer } from './control/control-server';
import type { AppConnection } from './control/types';
import { BacklogGate } from './core/new-call-gate';
import { SipCore, type CoreCounts } from './core/sip-core';
import type { EngineOptions, RunningEngine } from './options';
import { TransactionLayer } from './transaction/transaction-layer';
import { DEFAULT_TIMERS, type TimerSettings, type TransactionLayerUser } from './transaction/types';
import { monitorReceiveBacklog, type ReceiveBacklog } from './transport/receive-backlog';
import { createTransportLayer } from './transport/transport-layer';
import type { ListenSpec } from './transport/types';
import { IdleHeapRelease } from './idle-heap-release';
import { formatListenSpec } from './listen-spec';

/** The version announced to apps; srf needs `vX.Y.Z` ≥ v0.8.2 to enable pings (wire protocol §11). */
export const ENGINE_VERSION = 'v0.9.10';

/** Settings tests use to shorten waits the protocol fixes. */
export interface EngineTuning {
  /** How long a request handed to an app may wait for its first response before the engine answers 500 (default 64 s). */
  pendingRequestTimeoutMs?: number;
  /** Timer C: an INVITE sent for an app with no final response this long after its last provisional is CANCELled, the app gets 408 (default 180 s). */
  inviteTimeoutMs?: number;
}

export interface RunningEngineWithCore extends RunningEngine {
  /** Core-internal counts (dialogs, requests waiting for apps or responses), for leak checks. */
  coreCounts(): CoreCounts;
}

const DEFAULT_PENDING_REQUEST_TIMEOUT_MS = 64_000;
const DEFAULT_INVITE_TIMEOUT_MS = 180_000;
/** How often the UDP receive queues are read for load shedding: 100 ms of backlog at most goes unnoticed. */
const BACKLOG_SAMPLE_MS = 100;

export async function startEngine(options: EngineOptions, tuning: EngineTuning = {}): Promise<RunningEngineWithCore> {
  const log = options.log.child({ part: 'engine' });
  const timers: TimerSettings = { ...DEFAULT_TIMERS, ...options.timers };
  const transport = await createTransportLayer(options.sip, log.child({ layer: 'transport' }));

  // The layers refer to each other both ways; these late-bound forwarders close the loop.
  const late: { core?: SipCore; control?: ControlServer } = {};
  const user: TransactionLayerUser = {
    onRequest: (request, source) => late.core?.onRequest(request, source),
    onStrayResponse: (response, source) => late.core?.onStrayResponse(response, source),
  };
  const transactions = new TransactionLayer(transport, timers, user, log.child({ layer: 'transaction' }));
  const settings = {
    timers,
    pendingRequestTimeoutMs: tuning.pendingRequestTimeoutMs ?? DEFAULT_PENDING_REQUEST_TIMEOUT_MS,
    inviteTimeoutMs: tuning.inviteTimeoutMs ?? DEFAULT_INVITE_TIMEOUT_MS,
    ...(options.externalAddress === undefined ? {} : { externalAddress: options.externalAddress }),
  };
  let backlog: ReceiveBacklog | undefined;
  const overload = options.overload;
  if (overload !== undefined && overload.maxReceiveQueueBytes > 0) {
    const udp = transport.listening().filter((spec) => spec.protocol === 'udp');
    backlog = monitorReceiveBacklog({
      ports: udp.map((spec) => ({ port: spec.port, family: isIPv6(spec.host) ? 6 : 4 })),
      intervalMs: BACKLOG_SAMPLE_MS,
      log,
    });
  }
  const sipCore = new SipCore({
    ...(backlog === undefined || overload === undefined
      ? {}
      : { newCallGate: new BacklogGate(backlog, overload.maxReceiveQueueBytes, overload.retryAfterSeconds, log.child({ layer: 'core' })) }),
    transport,
    transactions,
    apps: { connectionFor: (method: string): AppConnection | undefined => late.control?.connectionFor(method) },
    settings,
    log: log.child({ layer: 'core' }),
  });
  late.core = sipCore;

  const listening = (): ListenSpec[] => transport.listening();
  const controlServer = new ControlServer(
    {
      secret: options.secret,
      version: ENGINE_VERSION,
      hostports: () => {
        const local = listening();
        const advertised = options.externalAddress;
        return {
          local: local.map(formatListenSpec),
          public: local.map((spec) => formatListenSpec(advertised === undefined ? spec : { ...spec, host: advertised })),
        };
      },
      ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
      log: log.child({ layer: 'control' }),
    },
    sipCore,
  );
  late.control = controlServer;
  let admin: { host: string; port: number };
  try {
    admin = await controlServer.listen(options.admin.host, options.admin.port);
  } catch (error) {
    backlog?.stop();
    sipCore.close();
    transactions.close();
    await transport.close();
    throw error;
  }

  const heapRelease = new IdleHeapRelease({
    liveTransactions: () => {
      const counts = transactions.counts();
      return counts.server + counts.client;
    },
    log,
  });
  let closing: Promise<void> | undefined;
  return {
    sip: listening(),
    admin,
    stats: () => {
      const counts = transactions.counts();
      return {
        dialogs: sipCore.counts().dialogs,
        serverTransactions: counts.server,
        clientTransactions: counts.client,
        appConnections: controlServer.connections(),
      };
    },
    coreCounts: () => sipCore.counts(),
    close: () => {
      closing ??= (async () => {
        heapRelease.stop();
        backlog?.stop();
        await controlServer.close();
        sipCore.close();
        transactions.close();
        await transport.close();
      })();
      return closing;
    },
  };
}
