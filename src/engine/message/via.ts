/** Via header field values (RFC 3261 §20.42, §25.1; rport: RFC 3581). */
import { SipParseError } from './errors';
import { allIn, formatParams, HOST, IPV6, parseHeaderParams, scan, skipWhitespace, TOKEN, type Params } from './grammar';
import { splitCommaList } from './comma-list';
import { parsePort } from './uri';

export interface Via {
  /** Upper-case transport: 'UDP', 'TCP', 'TLS', 'SCTP', 'WS', … */
  transport: string;
  /** sent-by host; IPv6 references keep their brackets. */
  host: string;
  port?: number;
  /** Via parameters; names lower-cased, `null` for a parameter without value (`;rport`). */
  params: Params;
}

/** One Via header line may carry several comma-separated values; all are returned in order. */
export function parseVia(value: string): Via[] {
  const items = splitCommaList(value);
  const vias: Via[] = [];
  for (const item of items) vias.push(parseViaValue(item));
  return vias;
}

function parseViaValue(s: string): Via {
  if (s.length === 0) throw new SipParseError('Empty Via value');
  let i = 0;
  const protocolEnd = scan(TOKEN, s, i);
  const protocol = s.slice(i, protocolEnd);
  i = expectSlash(s, protocolEnd);
  const versionEnd = scan(TOKEN, s, i);
  const version = s.slice(i, versionEnd);
  i = expectSlash(s, versionEnd);
  const transportEnd = scan(TOKEN, s, i);
  if (protocol.toUpperCase() !== 'SIP' || version !== '2.0' || transportEnd === i) {
    throw new SipParseError('Malformed Via protocol');
  }
  const transport = s.slice(i, transportEnd).toUpperCase();
  i = skipWhitespace(s, transportEnd);
  if (i === transportEnd) throw new SipParseError('Malformed Via sent-by');
  let hostEnd: number;
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i);
    if (close === -1 || !allIn(IPV6, s, i + 1, close)) throw new SipParseError('Malformed Via sent-by');
    hostEnd = close + 1;
  } else {
    hostEnd = scan(HOST, s, i);
    if (hostEnd === i) throw new SipParseError('Malformed Via sent-by');
  }
  const via: Via = { transport, host: s.slice(i, hostEnd), params: {} };
  i = skipWhitespace(s, hostEnd);
  if (s.charCodeAt(i) === 0x3a) {
    const portStart = skipWhitespace(s, i + 1);
    let portEnd = portStart;
    while (portEnd < s.length && s.charCodeAt(portEnd) >= 0x30 && s.charCodeAt(portEnd) <= 0x39) portEnd++;
    via.port = parsePort(s.slice(portStart, portEnd));
    i = portEnd;
  }
  parseHeaderParams(s, i, via.params);
  return via;
}

function expectSlash(s: string, i: number): number {
  i = skipWhitespace(s, i);
  if (s.charCodeAt(i) !== 0x2f) throw new SipParseError('Malformed Via protocol');
  return skipWhitespace(s, i + 1);
}

export function formatVia(via: Via): string {
  const port = via.port === undefined ? '' : ':' + via.port;
  return 'SIP/2.0/' + via.transport + ' ' + via.host + port + formatParams(via.params);
}

/** The branch parameter (RFC 3261 §8.1.1.7), if any. */
export function viaBranch(via: Via): string | undefined {
  return via.params.branch ?? undefined;
}

/** The received parameter (§18.2.1), if any. */
export function viaReceived(via: Via): string | undefined {
  return via.params.received ?? undefined;
}

/** rport (RFC 3581): undefined when absent, null when requested without a value, else the port. */
export function viaRport(via: Via): number | null | undefined {
  const rport = via.params.rport;
  if (rport === undefined) return undefined;
  if (rport === null) return null;
  return parsePort(rport);
}
