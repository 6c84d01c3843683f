/**
 * The request a proxy sends on (RFC 3261 §16.6): a copy of the received one with Max-Forwards
 * decremented, its own Route entries removed, the app's extra headers, Record-Route or Path, and
 * the proxy's Via on top.
 */
import { hostPort } from '../core/addressing';
import { headerList } from '../core/responses';
import { fixContentLength } from '../core/sip-text';
import { normalizeHeaderName, SipRequest } from '../message/sip-message';
import type { Endpoint } from '../transport/types';

/** The request can not be forwarded; the text is the reason given to the app. */
export class ProxyRequestError extends Error {
  override readonly name: string = 'ProxyRequestError';
}

/** Max-Forwards was already 0 (RFC 3261 §16.3 item 2): the caller gets 483. */
export class TooManyHopsError extends ProxyRequestError {
  override readonly name = 'TooManyHopsError';
}

/** Headers the proxy manages itself: the app's pseudo-request can not set them. */
const PROTECTED = new Set(['via', 'route', 'record-route', 'path', 'content-length', 'max-forwards', 'call-id', 'cseq', 'from', 'to']);

const DEFAULT_MAX_FORWARDS = 70;

export function copyRequest(request: SipRequest): SipRequest {
  const copy = new SipRequest(request.method, request.uri, request.version);
  copy.headers = request.headers.map((header) => ({ ...header }));
  copy.body = request.body;
  return copy;
}

/** RFC 3261 §16.6 step 3; throws TooManyHopsError when the request may not travel further. */
export function decrementMaxForwards(request: SipRequest): void {
  const text = request.get('max-forwards');
  if (text === undefined) {
    request.append('Max-Forwards', String(DEFAULT_MAX_FORWARDS));
    return;
  }
  const value = Number(text.trim());
  if (!Number.isInteger(value)) {
    request.set('Max-Forwards', String(DEFAULT_MAX_FORWARDS));
    return;
  }
  if (value <= 0) throw new TooManyHopsError('Too Many Hops');
  request.set('Max-Forwards', String(value - 1));
}

/** The Route entries of a request, comma-joined lines split, top first. */
export function routesOf(request: SipRequest): string[] {
  return headerList(request, 'route');
}

/**
 * RFC 3261 §16.4: removes the Route entries at the top that name the proxy itself (two when it
 * double record-routed). Returns the entries that remain.
 */
export function stripLocalRoutes(request: SipRequest, isLocal: (uri: string) => boolean, uriOf: (value: string) => string): string[] {
  const routes = routesOf(request);
  let skip = 0;
  while (skip < routes.length && isLocal(uriOf(routes[skip]!))) skip++;
  if (skip === 0) return routes;
  const remaining = routes.slice(skip);
  const first = request.headers.findIndex((header) => normalizeHeaderName(header.name) === 'route');
  request.remove('route');
  request.headers.splice(first, 0, ...remaining.map((value) => ({ name: 'Route', value })));
  return remaining;
}

/** The app's extra headers (from the A6 pseudo-request) replace same-named ones in the request. */
export function applyExtraHeaders(request: SipRequest, extra: SipRequest): void {
  for (const header of extra.headers) {
    const name = normalizeHeaderName(header.name);
    if (PROTECTED.has(name)) continue;
    request.remove(name);
  }
  for (const header of extra.headers) {
    if (PROTECTED.has(normalizeHeaderName(header.name))) continue;
    request.append(header.name, header.value);
  }
}

/** `<sip:host:port;lr>` (with `;transport=tcp` over TCP) for Record-Route and Path. */
export function proxyRouteEntry(host: string, local: Endpoint): string {
  return `<sip:${hostPort(host, local.port)}${local.protocol === 'tcp' ? ';transport=tcp' : ''};lr>`;
}

export interface RecordRouteOptions {
  /** Advertised host of the socket the request arrived on, and that socket. */
  inbound: { host: string; local: Endpoint };
  /** Advertised host of the socket the request leaves from, and that socket. */
  outbound: { host: string; local: Endpoint };
}

/**
 * RFC 3261 §16.6 step 4 (REGISTER: RFC 3327 Path). When the two sides use different sockets the
 * proxy record-routes twice (RFC 5658): the outbound-facing entry on top, so that each side's
 * first Route is the socket it can reach.
 */
export function addRecordRoute(request: SipRequest, options: RecordRouteOptions): void {
  const inbound = proxyRouteEntry(options.inbound.host, options.inbound.local);
  const outbound = proxyRouteEntry(options.outbound.host, options.outbound.local);
  const entries = inbound === outbound ? [outbound] : [outbound, inbound];
  if (request.method === 'REGISTER') {
    request.headers.unshift(...entries.map((value) => ({ name: 'Path', value })));
    const required = headerList(request, 'require').map((tag) => tag.toLowerCase());
    if (!required.includes('path')) request.append('Require', 'path');
    return;
  }
  request.headers.unshift(...entries.map((value) => ({ name: 'Record-Route', value })));
}

/** The branch's own copy: target request-URI, Via on top, Content-Length fixed. */
export function finishBranchRequest(template: SipRequest, requestUri: string, via: string, recordRoute?: RecordRouteOptions): SipRequest {
  const request = copyRequest(template);
  request.uri = requestUri;
  if (recordRoute !== undefined) addRecordRoute(request, recordRoute);
  request.prepend('Via', via);
  fixContentLength(request);
  return request;
}
