/**
 * name-addr / addr-spec header values (From, To, Contact, Route, Refer-To, …; RFC 3261 §20.10,
 * §25.1): `"Display" <uri>;param=value` or `uri;param=value`.
 */
import { SipParseError } from './errors';
import {
  formatParams,
  isWhitespace,
  parseHeaderParams,
  quote,
  quotedStringEnd,
  skipWhitespace,
  TOKEN,
  trimLws,
  unquote,
  type Params,
} from './grammar';
import { parseUri } from './uri';

export interface NameAddr {
  /** Display name with quoting removed; undefined when absent. */
  displayName?: string;
  /** The URI as written (trimmed), without angle brackets. */
  uri: string;
  /** Header parameters (after the URI or the closing `>`); names lower-cased. */
  params: Params;
}

export function parseNameAddr(value: string): NameAddr {
  const s = value;
  const i = skipWhitespace(s, 0);
  if (i >= s.length) throw new SipParseError('Empty address');
  let displayName: string | undefined;
  let open: number;
  if (s.charCodeAt(i) === 0x22) {
    const end = quotedStringEnd(s, i);
    displayName = unquote(s.slice(i, end));
    open = skipWhitespace(s, end);
    if (s.charCodeAt(open) !== 0x3c) throw new SipParseError('Expected <URI> after display name');
  } else {
    open = s.indexOf('<', i);
    const firstQuote = s.indexOf('"', i);
    if (open !== -1 && (firstQuote === -1 || firstQuote > open)) {
      const display = trimLws(s, i, open);
      if (!isUnquotedDisplayName(display)) throw new SipParseError('Display name must be quoted');
      if (display.length > 0) displayName = display;
    } else {
      return parseAddrSpec(s, i);
    }
  }
  const close = s.indexOf('>', open + 1);
  if (close === -1) throw new SipParseError('Missing > in address');
  // RFC 4475 §3.1.2.14: spaces inside the brackets are tolerated and dropped.
  const uri = trimLws(s, open + 1, close);
  parseUri(uri);
  const params = parseHeaderParams(s, close + 1);
  return displayName === undefined ? { uri, params } : { displayName, uri, params };
}

/** addr-spec form: the URI ends at the first ";", which starts the header parameters (§20). */
function parseAddrSpec(s: string, start: number): NameAddr {
  const semi = s.indexOf(';', start);
  const end = semi === -1 ? s.length : semi;
  const uri = trimLws(s, start, end);
  for (let i = 0; i < uri.length; i++) {
    if (isWhitespace(uri.charCodeAt(i))) throw new SipParseError('Whitespace in address');
  }
  const parsed = parseUri(uri);
  // RFC 3261 §20.10: a URI with headers (or commas, semicolons) needs the name-addr form.
  if (Object.keys(parsed.headers).length > 0 || uri.indexOf(',') !== -1 || uri.indexOf('?') !== -1) {
    throw new SipParseError('URI with headers must be enclosed in <>');
  }
  return { uri, params: parseHeaderParams(s, end) };
}

/** display-name = *(token LWS): tokens and whitespace; UTF-8 text is tolerated unquoted. */
function isUnquotedDisplayName(display: string): boolean {
  for (let i = 0; i < display.length; i++) {
    const c = display.charCodeAt(i);
    if (c >= 128 || isWhitespace(c)) continue;
    if (TOKEN[c] !== 1) return false;
  }
  return true;
}

export function formatNameAddr(nameAddr: NameAddr): string {
  let out = '';
  if (nameAddr.displayName !== undefined && nameAddr.displayName !== '') out = quote(nameAddr.displayName) + ' ';
  return out + '<' + nameAddr.uri + '>' + formatParams(nameAddr.params);
}

/** The tag parameter of a From/To value, if any. */
export function tagOf(nameAddrValue: string): string | undefined {
  const tag = parseNameAddr(nameAddrValue).params.tag;
  return tag === null ? undefined : tag;
}
