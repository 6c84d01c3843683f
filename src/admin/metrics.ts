/** GET /metrics: callpark's state and counters in the Prometheus text format. */
import type { ParkService, RetrievalGuardStats } from '../park';
import type { ParkCounters } from './park-metrics';
import { PrometheusText, type Sample } from './prometheus';

/** What the embedded SIP engine reports (RunningEngine.stats()). */
export interface EngineStats {
  dialogs: number;
  serverTransactions: number;
  clientTransactions: number;
  appConnections: number;
}

export interface MetricsSources {
  park: ParkService;
  counters: ParkCounters;
  guard?: { stats(): RetrievalGuardStats };
  engineStats?: () => EngineStats;
  mediaSessions?: () => number;
  /** Calls the SIP application holds (ParkApp.counts()). */
  appCounts?: () => { calls: number };
  draining: () => boolean;
}

const START_TIME_SECONDS = Math.round(Date.now() / 1000 - process.uptime());

function byLabel(name: string, map: ReadonlyMap<string, number>, keys: Iterable<string> = []): Sample[] {
  const all = new Set<string>([...keys, ...map.keys()]);
  return [...all].sort().map((key) => ({ labels: { [name]: key }, value: map.get(key) ?? 0 }));
}

export function renderMetrics(sources: MetricsSources): string {
  const out = new PrometheusText();
  const lots = sources.park.lots();
  const lotNames = lots.map((lot) => lot.name);
  const held = new Map<string, number>();
  const reserved = new Map<string, number>();
  for (const call of sources.park.list()) {
    const map = call.state === 'reserved' ? reserved : held;
    map.set(call.lot, (map.get(call.lot) ?? 0) + 1);
  }
  const { counters } = sources;

  out.add('callpark_parked_calls', 'gauge', 'Calls in a lot (parked, being retrieved or ringing back), per lot.', byLabel('lot', held, lotNames));
  out.add('callpark_reserved_orbits', 'gauge', 'Orbits reserved for an attended park, per lot.', byLabel('lot', reserved, lotNames));
  out.add(
    'callpark_lot_orbits',
    'gauge',
    'Orbits a lot has (its capacity).',
    lots.map((lot) => ({ labels: { lot: lot.name }, value: lot.rangeEnd - lot.rangeStart + 1 })),
  );
  out.add('callpark_parks_total', 'counter', 'Calls parked, per lot.', byLabel('lot', counters.parks, lotNames));
  out.add('callpark_retrievals_total', 'counter', 'Parked calls retrieved by a phone, per lot.', byLabel('lot', counters.retrievals, lotNames));
  out.add('callpark_ringbacks_total', 'counter', 'Ring-back attempts to the parker, per lot.', byLabel('lot', counters.ringbacks, lotNames));
  out.add('callpark_calls_ended_total', 'counter', 'Parked calls that left park, per end reason.', byLabel('reason', counters.ended));
  const guard = sources.guard?.stats();
  out.add('callpark_failed_retrievals_total', 'counter', 'Failed retrievals: refused (empty orbit, other park group) or not connected.', [
    { labels: { kind: 'refused' }, value: guard?.failures ?? 0 },
    { labels: { kind: 'notConnected' }, value: [...counters.retrievalsNotConnected.values()].reduce((a, b) => a + b, 0) },
  ]);
  out.add('callpark_retrievals_blocked_total', 'counter', 'Retrievals refused by the failed-retrieval rate limit.', guard?.refusals ?? 0);
  out.add('callpark_draining', 'gauge', '1 while shutting down (no new parks), else 0.', sources.draining() ? 1 : 0);

  const engine = sources.engineStats?.();
  if (engine !== undefined) {
    out.add('callpark_engine_dialogs', 'gauge', 'SIP dialogs the embedded engine holds.', engine.dialogs);
    out.add('callpark_engine_transactions', 'gauge', 'SIP transactions in the embedded engine.', [
      { labels: { role: 'server' }, value: engine.serverTransactions },
      { labels: { role: 'client' }, value: engine.clientTransactions },
    ]);
    out.add('callpark_engine_app_connections', 'gauge', 'drachtio apps connected to the embedded engine.', engine.appConnections);
  }
  const media = sources.mediaSessions?.();
  if (media !== undefined) out.add('callpark_media_sessions', 'gauge', 'Media sessions (music, prompts) holding resources.', media);
  const app = sources.appCounts?.();
  if (app !== undefined) out.add('callpark_sip_calls', 'gauge', 'Calls the SIP application holds (set up, parked or bridged).', app.calls);

  const memory = process.memoryUsage();
  out.add('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', memory.rss);
  out.add('process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch in seconds.', START_TIME_SECONDS);
  const cpu = process.cpuUsage();
  out.add('process_cpu_seconds_total', 'counter', 'User and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6);
  out.add('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use in bytes.', memory.heapUsed);
  out.add('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap size in bytes.', memory.heapTotal);
  out.add('nodejs_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript, in bytes.', memory.external);
  return out.toString();
}
