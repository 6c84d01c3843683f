import { isIP } from 'node:net';
import type { ListenSpec } from './transport/types';

/** A listen spec that does not parse; the message names the expected shape. */
export class ListenSpecError extends Error {
  override readonly name = 'ListenSpecError';
}

const SPEC = /^(udp|tcp)\/(?:\[([^\]]+)\]|([^:/[\]]+)):(\d{1,5})$/i;

/** `udp/127.0.0.1:5060`, `tcp/[::1]:5070` → ListenSpec. */
export function parseListenSpec(text: string): ListenSpec {
  const match = SPEC.exec(text.trim());
  if (!match) throw new ListenSpecError(`listen spec must look like udp/HOST:PORT or tcp/[IPv6]:PORT, got '${text}'`);
  const host = match[2] ?? match[3]!;
  if (match[2] !== undefined && isIP(host) !== 6) throw new ListenSpecError(`not an IPv6 address in brackets: '${text}'`);
  const port = Number(match[4]);
  if (port > 65535) throw new ListenSpecError(`port out of range in '${text}'`);
  return { protocol: match[1]!.toLowerCase() as ListenSpec['protocol'], host, port };
}

export function formatListenSpec(spec: ListenSpec): string {
  const host = isIP(spec.host) === 6 ? `[${spec.host}]` : spec.host;
  return `${spec.protocol}/${host}:${spec.port}`;
}
