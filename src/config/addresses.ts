import net from 'node:net';

/** One SIP listener, `udp/127.0.0.1:5060` or `tcp/[::1]:5060`; same shape as the engine's ListenSpec. */
export interface ListenAddress {
  readonly protocol: 'udp' | 'tcp';
  readonly host: string;
  /** 0 lets the OS choose. */
  readonly port: number;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A listen, host:port or CIDR string that does not parse; the message says what is expected. */
export class AddressSyntaxError extends Error {
  override readonly name = 'AddressSyntaxError';
}

function parsePort(text: string, whole: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new AddressSyntaxError(`expected a port 0-65535 in "${whole}"`);
  }
  return Number(text);
}

/** `host:port` or `[v6]:port`; host must be an IP address or `localhost`. */
export function parseHostPort(text: string): HostPort {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (bracketed !== null) {
    if (!net.isIPv6(bracketed[1]!)) throw new AddressSyntaxError(`expected an IPv6 address inside [] in "${text}"`);
    return { host: bracketed[1]!, port: parsePort(bracketed[2]!, text) };
  }
  const colon = text.lastIndexOf(':');
  if (colon <= 0) throw new AddressSyntaxError(`expected host:port (IPv6 as [::1]:port), got "${text}"`);
  const host = text.slice(0, colon);
  if (host.includes(':')) throw new AddressSyntaxError(`write IPv6 addresses in brackets, e.g. [::1]:5060, got "${text}"`);
  if (!net.isIPv4(host) && host !== 'localhost') throw new AddressSyntaxError(`expected an IP address (or localhost) in "${text}"`);
  return { host, port: parsePort(text.slice(colon + 1), text) };
}

/** `udp/127.0.0.1:5060`, `tcp/[::1]:5060`. */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(udp|tcp)\/(.+)$/i.exec(text.trim());
  if (match === null) throw new AddressSyntaxError(`expected udp/host:port or tcp/host:port, got "${text}"`);
  const { host, port } = parseHostPort(match[2]!);
  return { protocol: match[1]!.toLowerCase() as 'udp' | 'tcp', host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

export function formatListenAddress(listen: ListenAddress): string {
  return `${listen.protocol}/${formatHostPort(listen)}`;
}

/** Checks an IPv4/IPv6 address or CIDR range and returns it normalized to `address/prefix`. */
export function normalizeCidr(text: string): string {
  const [address, prefixText, ...rest] = text.trim().split('/');
  const family = net.isIP(address ?? '');
  if (family === 0 || rest.length > 0) throw new AddressSyntaxError(`expected an IP address or CIDR range, got "${text}"`);
  const max = family === 4 ? 32 : 128;
  if (prefixText === undefined) return `${address}/${max}`;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    throw new AddressSyntaxError(`expected a prefix length 0-${max} in "${text}"`);
  }
  return `${address}/${Number(prefixText)}`;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}
