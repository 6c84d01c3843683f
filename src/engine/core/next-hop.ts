/** Where a request goes (RFC 3263, simplified to A/AAAA lookups and explicit ports). */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Endpoint, ListenSpec } from '../transport/types';
import { parseSipUri, uriOf, uriTransport } from './addressing';
import type { Dialog } from './dialog';

export class NextHopError extends Error {
  override readonly name = 'NextHopError';
}

export async function resolveUri(uri: string): Promise<Endpoint> {
  const parts = parseSipUri(uri);
  if (parts === undefined) throw new NextHopError(`invalid request-uri: ${uri}`);
  const protocol = uriTransport(parts);
  const port = parts.port ?? (parts.scheme === 'sips' ? 5061 : 5060);
  const target = parts.params.get('maddr') ?? parts.host;
  if (isIP(target) !== 0) return { protocol, address: target, port };
  try {
    const found = await lookup(target);
    return { protocol, address: found.address, port };
  } catch {
    throw new NextHopError(`unable to resolve ${target}`);
  }
}

/** RFC 3261 §12.2.1.1: first Route (loose routing assumed) else the remote target; over TCP the existing flow. */
export async function nextHopInDialog(dialog: Dialog): Promise<Endpoint> {
  const firstRoute = dialog.routeSet[0];
  if (firstRoute !== undefined) return resolveUri(uriOf(firstRoute));
  if (dialog.protocol === 'tcp') return dialog.peer;
  return resolveUri(dialog.remoteTarget);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

/** True when the destination is one of the engine's own listeners (§5.1 "can not send request to myself"). */
export function isOwnListener(destination: Endpoint, listeners: readonly ListenSpec[], externalAddress?: string): boolean {
  return listeners.some((listener) => {
    if (listener.port !== destination.port || listener.protocol !== destination.protocol) return false;
    if (listener.host === destination.address || externalAddress === destination.address) return true;
    return isWildcard(listener.host) && isLoopback(destination.address);
  });
}
