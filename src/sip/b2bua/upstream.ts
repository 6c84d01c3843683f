/**
 * The upstream PBX or trunk of B2BUA mode (`upstream: sip:pbx.example.com:5060`): where phones'
 * calls and requests go, and how a request from it is recognised (its source address).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import Srf from 'drachtio-srf';

export class InvalidUpstreamError extends Error {
  override readonly name = 'InvalidUpstreamError';
  constructor(readonly upstream: string) {
    super(`upstream: "${upstream}" is not a sip: URI with a host`);
  }
}

export class Upstream {
  /** host[:port] as written, for srf's `proxy` option and Request-URIs. */
  readonly hostPort: string;
  readonly host: string;
  /** The port written in the URI; when set, a request counts as the upstream's only from that port. */
  readonly port?: number;
  private readonly addresses = new Set<string>();

  constructor(readonly uri: string) {
    const parsed = Srf.parseUri(uri);
    if (!parsed || parsed.scheme === 'tel' || !parsed.host) throw new InvalidUpstreamError(uri);
    this.host = parsed.host.replace(/^\[(.*)\]$/, '$1');
    this.hostPort = parsed.port ? `${parsed.host}:${parsed.port}` : parsed.host;
    this.port = parsed.port ? Number(parsed.port) : undefined;
    if (isIP(this.host)) this.addresses.add(this.host);
  }

  /** Resolve a host name once, so that its requests are recognised; IP literals need nothing. */
  async resolve(): Promise<void> {
    if (isIP(this.host)) return;
    for (const { address } of await lookup(this.host, { all: true })) this.addresses.add(address);
  }

  /** Did this request come from the upstream (then it goes to a phone)? */
  sent(source: { readonly source_address: string; readonly source_port: number | string }): boolean {
    if (this.port !== undefined && Number(source.source_port) !== this.port) return false;
    return this.addresses.has(source.source_address.replace(/^::ffff:/i, '').replace(/^\[(.*)\]$/, '$1'));
  }

  /** Where a phone's request goes: the same user at the upstream (`sip:1001@pbx:5060`). */
  requestUri(dialledUser: string): string {
    return dialledUser ? `sip:${dialledUser}@${this.hostPort}` : `sip:${this.hostPort}`;
  }
}
