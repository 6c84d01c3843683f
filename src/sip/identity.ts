import { BlockList, isIP } from 'node:net';
import { MalformedHeaderError, parseNameAddr, type NameAddr } from './name-addr';

/** Who a request speaks for, per DESIGN §5. */
export interface SipIdentity {
  /** `user@host` (or the tel number): what policies match against. */
  readonly aor: string;
  readonly user: string;
  readonly uri: string;
  readonly displayName?: string;
  /** Which header the identity was taken from. */
  readonly source: 'p-asserted-identity' | 'from' | 'referred-by';
}

/** The slice of a drachtio request identity resolution reads (SrfRequest satisfies it). */
export interface IdentityHeaders {
  get(name: string): string | undefined;
  has(name: string): boolean;
  readonly source_address: string;
}

export class InvalidTrustedPeerError extends Error {
  override readonly name = 'InvalidTrustedPeerError';
  constructor(readonly entry: string) {
    super(`sip.trustedPeers: "${entry}" is not an IP address or CIDR range`);
  }
}

/** `sip.trustedPeers`: the only sources whose P-Asserted-Identity is believed (RFC 3325 §2.3). */
export class TrustedPeers {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    for (const entry of entries) this.add(entry);
    this.size = entries.length;
  }

  private add(entry: string): void {
    const [address, prefixText] = entry.trim().split('/');
    const family = isIP(address ?? '');
    if (!address || family === 0) throw new InvalidTrustedPeerError(entry);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefixText === undefined) {
      this.list.addAddress(address, type);
      return;
    }
    const prefix = Number(prefixText);
    const max = family === 4 ? 32 : 128;
    if (!/^\d+$/.test(prefixText) || prefix > max) throw new InvalidTrustedPeerError(entry);
    this.list.addSubnet(address, prefix, type);
  }

  has(sourceAddress: string): boolean {
    const address = stripBrackets(sourceAddress);
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return this.list.check(mapped[1]!, 'ipv4');
    const family = isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

function stripBrackets(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

function toIdentity(addr: NameAddr, source: SipIdentity['source']): SipIdentity {
  const user = addr.user ?? '';
  const aor = addr.scheme === 'tel' || !addr.host ? user : `${user}@${addr.host.toLowerCase()}`;
  return { aor, user, uri: addr.uri, displayName: addr.displayName, source };
}

/**
 * The identity of whoever sent `req`: P-Asserted-Identity when the request comes from a
 * trusted peer, else the From URI. A malformed From is a malformed request (400).
 */
export function callerIdentity(req: IdentityHeaders, trusted: TrustedPeers): SipIdentity {
  const pai = req.get('P-Asserted-Identity');
  if (pai && trusted.has(req.source_address)) {
    return toIdentity(parseNameAddr('P-Asserted-Identity', pai), 'p-asserted-identity');
  }
  const from = req.get('From');
  if (!from) throw new MalformedHeaderError('From', 'missing');
  return toIdentity(parseNameAddr('From', from), 'from');
}

/** The transferor named by `Referred-By` (RFC 3892), or undefined when the header is absent. */
export function referrerIdentity(req: IdentityHeaders): SipIdentity | undefined {
  const value = req.get('Referred-By');
  if (value === undefined || !req.has('Referred-By')) return undefined;
  return toIdentity(parseNameAddr('Referred-By', value), 'referred-by');
}

/** A name for caller-ID displays: the display name, else the user part. */
export function displayLabel(identity: SipIdentity): string {
  return identity.displayName?.trim() || identity.user || identity.aor;
}
