/**
 * The little URI and name-addr handling the core needs (RFC 3261 §19.1, §20.10, §25.1): extract a
 * URI from a header value, read and add `tag`, and turn a SIP URI into a next-hop endpoint.
 */
import { isIP } from 'node:net';
import type { TransportProtocol } from '../transport/types';

export interface SipUriParts {
  scheme: string;
  user?: string;
  host: string;
  port?: number;
  params: Map<string, string>;
}

/** The URI inside a name-addr (`"Bob" <sip:bob@h>;tag=x` → `sip:bob@h`) or an addr-spec without params. */
export function uriOf(headerValue: string): string {
  const open = headerValue.indexOf('<');
  if (open !== -1) {
    const close = headerValue.indexOf('>', open);
    return headerValue.slice(open + 1, close === -1 ? undefined : close).trim();
  }
  const semicolon = headerValue.indexOf(';');
  return (semicolon === -1 ? headerValue : headerValue.slice(0, semicolon)).trim();
}

/** Header parameters after the name-addr (`;tag=x;expires=3`). */
function headerParams(headerValue: string): string {
  const close = headerValue.lastIndexOf('>');
  if (close !== -1) return headerValue.slice(close + 1);
  const semicolon = headerValue.indexOf(';');
  return semicolon === -1 ? '' : headerValue.slice(semicolon);
}

/** Value of a header parameter such as `tag`, or undefined. */
export function headerParam(headerValue: string, name: string): string | undefined {
  for (const part of headerParams(headerValue).split(';')) {
    const eq = part.indexOf('=');
    const key = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (key === name.toLowerCase()) return eq === -1 ? '' : part.slice(eq + 1).trim();
  }
  return undefined;
}

export function tagOf(headerValue: string | undefined): string | undefined {
  if (headerValue === undefined) return undefined;
  const tag = headerParam(headerValue, 'tag');
  return tag === '' ? undefined : tag;
}

/** Adds `;tag=` to a From/To value; a bare addr-spec is wrapped in <> first so the tag is a header param. */
export function withTag(headerValue: string, tag: string): string {
  const value = headerValue.trim();
  const wrapped = value.includes('<') ? value : `<${uriOf(value)}>${headerParams(value)}`;
  return `${wrapped};tag=${tag}`;
}

/** `<uri>` unless already a name-addr. */
export function asNameAddr(value: string): string {
  const trimmed = value.trim();
  return trimmed.includes('<') ? trimmed : `<${trimmed}>`;
}

/** Parses `sip:user@host:port;params` (and sips:, tel-less). Returns undefined when it is not a SIP URI. */
export function parseSipUri(uri: string): SipUriParts | undefined {
  const match = /^(sips?):(.*)$/i.exec(uri.trim());
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  let rest = match[2]!;
  const question = rest.indexOf('?');
  if (question !== -1) rest = rest.slice(0, question);
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const semicolon = rest.indexOf(';');
  const hostPort = semicolon === -1 ? rest : rest.slice(0, semicolon);
  const paramText = semicolon === -1 ? '' : rest.slice(semicolon + 1);
  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close === -1) return undefined;
    host = hostPort.slice(1, close);
    const after = hostPort.slice(close + 1);
    portText = after.startsWith(':') ? after.slice(1) : undefined;
  } else {
    const colon = hostPort.lastIndexOf(':');
    host = colon === -1 ? hostPort : hostPort.slice(0, colon);
    portText = colon === -1 ? undefined : hostPort.slice(colon + 1);
  }
  if (host === '') return undefined;
  let port: number | undefined;
  if (portText !== undefined && portText !== '') {
    port = Number(portText);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  }
  const params = new Map<string, string>();
  for (const part of paramText.split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    params.set((eq === -1 ? part : part.slice(0, eq)).toLowerCase(), eq === -1 ? '' : part.slice(eq + 1));
  }
  const parts: SipUriParts = { scheme, host, params };
  if (user !== undefined) parts.user = user;
  if (port !== undefined) parts.port = port;
  return parts;
}

/** `host:port` with IPv6 literals bracketed. */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** The transport a URI asks for (RFC 3263 simplified: `transport=` param, sips → tcp, else udp). */
export function uriTransport(parts: SipUriParts): TransportProtocol {
  const transport = parts.params.get('transport')?.toLowerCase();
  if (transport === 'tcp' || transport === 'tls' || parts.scheme === 'sips') return 'tcp';
  return 'udp';
}

/** The contact URI the engine advertises for one of its transports. */
export function contactUri(host: string, port: number, protocol: TransportProtocol): string {
  return `sip:${hostPort(host, port)}${protocol === 'tcp' ? ';transport=tcp' : ''}`;
}

/** A From/To value without its `tag` parameter. */
export function withoutTag(headerValue: string): string {
  return headerValue.replace(/;\s*tag\s*=\s*[^;>\s]*/gi, '').trim();
}
