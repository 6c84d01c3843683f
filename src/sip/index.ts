/** The call-park SIP application: what the composition root (src/commands/start.ts) uses. */
export { createParkApp, type ParkApp, type ParkAppCounts, type ParkAppDeps } from './park-app';
export type { ParkAppConfig } from './runtime';
export { ORBIT_HEADER, type ParkedLeg } from './parked-leg';
