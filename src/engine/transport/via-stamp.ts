import { formatVia, normalizeHeaderName, parseVia, splitCommaList, type SipRequest } from '../message';
import { stripBrackets } from './response-destination';
import type { Source } from './types';

/**
 * RFC 3261 §18.2.1: "the server transport MUST examine the Via header field value at the top ... If
 * the host portion of the sent-by parameter ... differs from the source IP address of the packet,
 * the server MUST add a received parameter". RFC 3581 §4: when the top Via has an `rport`
 * parameter without value, fill it with the source port, and add `received` even when the
 * address matches. A `received` already present is replaced by the real source address even when
 * the host matches. Only the first Via value is rewritten; the others keep their spelling.
 * Returns false when the top Via cannot be parsed (the message is left untouched).
 */
export function stampReceived(request: SipRequest, source: Source): boolean {
  const header = request.headers.find((h) => normalizeHeaderName(h.name) === 'via');
  if (header === undefined) return false;
  let items: string[];
  let top;
  try {
    items = splitCommaList(header.value);
    top = parseVia(items[0])[0];
  } catch {
    return false;
  }
  if (top === undefined) return false;
  const rportRequested = top.params.rport !== undefined;
  if (rportRequested) {
    top.params.rport = String(source.port);
    top.params.received = source.address;
  } else if (stripBrackets(top.host) !== source.address || top.params.received !== undefined) {
    // A `received` the sender put there itself would send our responses elsewhere: always the real source.
    if (top.params.received === source.address) return true;
    top.params.received = source.address;
  } else {
    return true;
  }
  items[0] = formatVia(top);
  header.value = items.length === 1 ? items[0] : items.join(', ');
  return true;
}
