export { createFreeswitchMedia, type FreeswitchMedia } from './freeswitch-media';
export { FreeswitchHoldSession, type AnchoredRetrieval } from './hold-session';
export { EslAuthenticationError, EslUnreachableError, MissingSipProfileError } from './preflight';
export {
  DEFAULT_PROFILE,
  DEFAULT_SOUNDS,
  DEFAULT_TIMEOUTS,
  type AnchorMode,
  type FreeswitchMediaOptions,
  type FreeswitchSounds,
  type FreeswitchTimeouts,
} from './options';
