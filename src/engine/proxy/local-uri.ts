/** Whether a SIP URI (a Route entry, a request-URI) addresses one of the engine's own listeners. */
import type { ListenSpec } from '../transport/types';
import { parseSipUri } from '../core/addressing';

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.toLowerCase() === 'localhost';
}

/**
 * True when host and port match a listener (any transport: one host:port names the engine on UDP
 * and TCP alike). A missing port means 5060 (5061 for sips), as for any other next hop.
 */
export function isLocalUri(uri: string, listeners: readonly ListenSpec[], externalAddress?: string): boolean {
  const parts = parseSipUri(uri);
  if (parts === undefined) return false;
  const port = parts.port ?? (parts.scheme === 'sips' ? 5061 : 5060);
  const host = parts.params.get('maddr') ?? parts.host;
  return listeners.some((listener) => {
    if (listener.port !== port) return false;
    if (listener.host === host || externalAddress === host) return true;
    return (isWildcard(listener.host) || isLoopback(listener.host)) && isLoopback(host);
  });
}
