/** The admin HTTP API: REST, server-sent events, the park board page, /metrics and /healthz. */
export { startAdminServer, type AdminServer, type AdminServerOptions } from './admin-server';
export { ParkCounters } from './park-metrics';
export type { EngineStats } from './metrics';
export type { RetrieveTo } from './routes';
