/** Public entry of the embedded SIP engine (a drachtio-server stand-in for drachtio-srf apps). */
export { startEngine, ENGINE_VERSION, type EngineTuning, type RunningEngineWithCore } from './engine';
export type { EngineOptions, RunningEngine } from './options';
export { parseListenSpec, formatListenSpec, ListenSpecError } from './listen-spec';
export type { ListenSpec, TransportProtocol } from './transport/types';
export type { TimerSettings } from './transaction/types';
