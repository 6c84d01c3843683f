import { isIP } from 'node:net';
import { stripBrackets } from './response-destination';

/** `::ffff:127.0.0.1` (a dual-stack socket's view of an IPv4 peer) → `127.0.0.1`; brackets removed. */
export function normalizeAddress(address: string): string {
  const bare = stripBrackets(address);
  if (bare.length > 7 && bare.slice(0, 7).toLowerCase() === '::ffff:' && isIP(bare.slice(7)) === 4) return bare.slice(7);
  return bare;
}

/** IP family of an address; names resolve as IPv4 (the engine is given addresses, not names). */
export function addressFamily(address: string): 4 | 6 {
  return isIP(stripBrackets(address)) === 6 ? 6 : 4;
}

/** Connections are keyed by remote address:port (RFC 3261 §18.2.2: responses reuse the request's connection). */
export function connectionKey(address: string, port: number): string {
  return normalizeAddress(address) + '|' + port;
}

export function describeEndpoint(protocol: string, address: string, port: number): string {
  return `${protocol}:${address.includes(':') ? `[${address}]` : address}:${port}`;
}
