export { ProxyCore } from './proxy-core';
