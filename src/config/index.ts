export { loadConfig, parseConfig, type ParseOptions } from './load';
export { ConfigError, formatIssue, type ConfigIssue } from './errors';
export { ENV_OVERRIDES, type Environment } from './env';
export {
  AddressSyntaxError,
  formatHostPort,
  formatListenAddress,
  isLoopbackHost,
  parseHostPort,
  parseListenAddress,
  type HostPort,
  type ListenAddress,
} from './addresses';
export type * from './types';
