/** Starts the engine in-process on OS-chosen ports with short timers, and waits for it to be idle. */
import pino from 'pino';
import { startEngine, type EngineTuning, type RunningEngineWithCore } from '../../../src/engine';

export const SECRET = 'conformance';
/** Short T1 so that transactions and 2xx retransmissions finish quickly (64*T1 = 6.4 s). */
export const TEST_TIMERS = { T1: 100, T2: 400, T4: 500 };

export async function startTestEngine(pendingRequestTimeoutMs?: number, tuning: EngineTuning = {}): Promise<RunningEngineWithCore> {
  return startEngine(
    {
      sip: [
        { protocol: 'udp', host: '127.0.0.1', port: 0 },
        { protocol: 'tcp', host: '127.0.0.1', port: 0 },
      ],
      admin: { host: '127.0.0.1', port: 0 },
      secret: SECRET,
      timers: TEST_TIMERS,
      log: pino({ level: process.env.ENGINE_LOG ?? 'silent' }),
    },
    pendingRequestTimeoutMs === undefined ? tuning : { ...tuning, pendingRequestTimeoutMs },
  );
}

export function sipTarget(engine: RunningEngineWithCore, protocol: 'udp' | 'tcp'): string {
  const spec = engine.sip.find((listener) => listener.protocol === protocol);
  if (spec === undefined) throw new Error(`no ${protocol} listener`);
  return `${spec.host}:${spec.port}`;
}

export interface IdleCounts {
  dialogs: number;
  serverTransactions: number;
  clientTransactions: number;
  pendingIncoming: number;
  pendingOutgoing: number;
}

export function idleCounts(engine: RunningEngineWithCore): IdleCounts {
  const stats = engine.stats();
  const core = engine.coreCounts();
  return {
    dialogs: stats.dialogs,
    serverTransactions: stats.serverTransactions,
    clientTransactions: stats.clientTransactions,
    pendingIncoming: core.pendingIncoming,
    pendingOutgoing: core.pendingOutgoing,
  };
}

const ZERO: IdleCounts = { dialogs: 0, serverTransactions: 0, clientTransactions: 0, pendingIncoming: 0, pendingOutgoing: 0 };

/** Polls until every count is 0 (transactions linger for timers J/K/L ≈ 64*T1), or returns the last counts. */
export async function waitForIdle(engine: RunningEngineWithCore, timeoutMs = 15000): Promise<IdleCounts> {
  const deadline = Date.now() + timeoutMs;
  let counts = idleCounts(engine);
  while (Date.now() < deadline) {
    counts = idleCounts(engine);
    if (Object.values(counts).every((value) => value === 0)) return counts;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return counts;
}

export { ZERO as IDLE };
