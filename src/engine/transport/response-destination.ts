import type { AnySipMessage, SipRequest } from '../message/sip-message';
import { parseVia, viaRport, type Via } from '../message';
import type { Endpoint, Source } from './types';

const DEFAULT_SIP_PORT = 5060;

/**
 * Parsed top Vias by message, remembered with the line they came from: matching, stamping and
 * routing each need the top Via, and a changed Via line simply misses the cache.
 */
const parsedTopVia = new WeakMap<AnySipMessage, { line: string; via: Via | undefined }>();

/**
 * The first value of the first Via line, or undefined when absent or unparseable.
 * The result is shared: treat it as read-only.
 */
export function topVia(message: AnySipMessage): Via | undefined {
  const line = message.get('via');
  if (line === undefined) return undefined;
  const cached = parsedTopVia.get(message);
  if (cached !== undefined && cached.line === line) return cached.via;
  let via: Via | undefined;
  try {
    via = parseVia(line)[0];
  } catch {
    via = undefined;
  }
  parsedTopVia.set(message, { line, via });
  return via;
}

/** `[::1]` → `::1`: sockets want bare IPv6 addresses. */
export function stripBrackets(host: string): string {
  return host.length > 1 && host.charCodeAt(0) === 0x5b && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Where responses to `request` go (RFC 3261 §18.2.2, RFC 3581 §4). The top Via already carries the
 * `received`/`rport` the transport added on arrival.
 */
export function responseDestination(request: SipRequest, source: Source): Endpoint {
  // RFC 3261 §18.2.2: on a reliable transport the response goes back over the connection the
  // request came in on; the transport keys connections by remote address:port, which is `source`.
  if (source.protocol === 'tcp') return { protocol: 'tcp', address: source.address, port: source.port };
  const via = topVia(request);
  if (via === undefined) return { protocol: source.protocol, address: source.address, port: source.port };
  // DEVIATION: maddr (§18.2.2, multicast) is ignored; responses never go to a multicast group.
  // RFC 3581 §4: with rport, send to the source IP and port the request came from.
  const rport = viaRport(via);
  const received = via.params.received;
  const address = received !== undefined && received !== null ? received : stripBrackets(via.host);
  const port = typeof rport === 'number' ? rport : (via.port ?? DEFAULT_SIP_PORT);
  return { protocol: source.protocol, address, port };
}
