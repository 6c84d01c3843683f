/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966) and opaque URIs of any other scheme.
 * Components are kept as written (escaped), so formatUri(parseUri(s)) reproduces s; use
 * unescapeUriComponent to compare or display them.
 */
import { SipParseError } from './errors';
import {
  allIn,
  escapesAreValid,
  formatParams,
  HOST,
  IPV6,
  PARAM,
  PASSWORD,
  scan,
  SCHEME,
  trimLws,
  URI_HEADER,
  USER,
  type Params,
} from './grammar';

export interface SipUri {
  /** Lower-case scheme: 'sip', 'sips', 'tel' or any other. */
  scheme: string;
  user?: string;
  password?: string;
  /** Host name or IP address; an IPv6 reference keeps its brackets (`[::1]`). Empty for tel and opaque URIs. */
  host: string;
  port?: number;
  /** URI parameters; names lower-cased, `null` for a parameter without value (`;lr`). */
  params: Params;
  /** URI headers (`?name=value&…`), escaped as written. */
  headers: Record<string, string>;
  /** For schemes other than sip, sips and tel: everything after the colon, verbatim. */
  opaque?: string;
}

export function parseUri(input: string): SipUri {
  const s = trimLws(input);
  const colon = s.indexOf(':');
  if (colon < 1 || !isAlpha(s.charCodeAt(0)) || !allIn(SCHEME, s, 0, colon)) {
    throw new SipParseError('Malformed URI scheme');
  }
  const scheme = s.slice(0, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(scheme, s, colon + 1);
  if (scheme === 'tel') return parseTelUri(s, colon + 1);
  const opaque = s.slice(colon + 1);
  if (opaque.length === 0 || !isOpaqueText(opaque)) throw new SipParseError('Malformed URI');
  return { scheme, host: '', params: {}, headers: {}, opaque };
}

export function formatUri(uri: SipUri): string {
  if (uri.opaque !== undefined) return uri.scheme + ':' + uri.opaque;
  let out = uri.scheme + ':';
  if (uri.user !== undefined) {
    out += uri.user;
    if (uri.password !== undefined) out += ':' + uri.password;
    if (uri.host !== '') out += '@';
  }
  out += uri.host;
  if (uri.port !== undefined) out += ':' + uri.port;
  out += formatParams(uri.params);
  let separator = '?';
  for (const name in uri.headers) {
    out += separator + name + '=' + uri.headers[name];
    separator = '&';
  }
  return out;
}

/**
 * Resolve %HH escapes (RFC 3261 §19.1.4 compares URIs unescaped). Invalid escapes are kept as
 * written; the result may hold any character, NUL included.
 */
export function unescapeUriComponent(s: string): string {
  if (s.indexOf('%') === -1) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%' && i + 2 < s.length) {
      const code = parseInt(s.slice(i + 1, i + 3), 16);
      if (!Number.isNaN(code) && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
        out += String.fromCharCode(code);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

function parseSipUri(scheme: string, s: string, start: number): SipUri {
  const uri: SipUri = { scheme, host: '', params: {}, headers: {} };
  // '@' can appear neither in escaped-free parameters nor in headers, so the first one ends userinfo.
  const at = s.indexOf('@', start);
  let i = start;
  if (at !== -1) {
    const passwordColon = s.indexOf(':', start);
    const userEnd = passwordColon !== -1 && passwordColon < at ? passwordColon : at;
    if (!allIn(USER, s, start, userEnd)) throw new SipParseError('Malformed URI user part');
    uri.user = s.slice(start, userEnd);
    if (userEnd < at) {
      if (at > userEnd + 1 && !allIn(PASSWORD, s, userEnd + 1, at)) throw new SipParseError('Malformed URI password');
      uri.password = s.slice(userEnd + 1, at);
    }
    i = at + 1;
  }
  i = parseHostPort(s, i, uri);
  while (i < s.length && s.charCodeAt(i) === 0x3b) {
    const nameEnd = scan(PARAM, s, i + 1);
    if (nameEnd === i + 1) throw new SipParseError('Empty URI parameter');
    const name = s.slice(i + 1, nameEnd).toLowerCase();
    if (nameEnd < s.length && s.charCodeAt(nameEnd) === 0x3d) {
      const valueEnd = scan(PARAM, s, nameEnd + 1);
      if (valueEnd === nameEnd + 1) throw new SipParseError('Empty URI parameter value');
      uri.params[name] = s.slice(nameEnd + 1, valueEnd);
      i = valueEnd;
    } else {
      uri.params[name] = null;
      i = nameEnd;
    }
  }
  if (i < s.length && s.charCodeAt(i) === 0x3f) {
    i++;
    while (true) {
      const nameEnd = scan(URI_HEADER, s, i);
      if (nameEnd === i || s.charCodeAt(nameEnd) !== 0x3d) throw new SipParseError('Malformed URI header');
      const valueEnd = scan(URI_HEADER, s, nameEnd + 1);
      uri.headers[s.slice(i, nameEnd)] = s.slice(nameEnd + 1, valueEnd);
      i = valueEnd;
      if (i < s.length && s.charCodeAt(i) === 0x26) i++;
      else break;
    }
  }
  if (i !== s.length) throw new SipParseError('Malformed URI');
  if (!escapesAreValid(s)) throw new SipParseError('Malformed escape in URI');
  return uri;
}

function parseHostPort(s: string, i: number, uri: SipUri): number {
  let hostEnd: number;
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i);
    if (close === -1 || !allIn(IPV6, s, i + 1, close)) throw new SipParseError('Malformed IPv6 reference');
    hostEnd = close + 1;
  } else {
    hostEnd = scan(HOST, s, i);
    if (hostEnd === i) throw new SipParseError('Missing host in URI');
  }
  uri.host = s.slice(i, hostEnd);
  if (hostEnd < s.length && s.charCodeAt(hostEnd) === 0x3a) {
    let portEnd = hostEnd + 1;
    while (portEnd < s.length && isDigit(s.charCodeAt(portEnd))) portEnd++;
    uri.port = parsePort(s.slice(hostEnd + 1, portEnd));
    return portEnd;
  }
  return hostEnd;
}

/** port = 1*DIGIT, at most 65535. */
export function parsePort(digits: string): number {
  if (digits.length === 0 || digits.length > 5) throw new SipParseError('Malformed port');
  const port = Number(digits);
  if (!Number.isInteger(port) || port > 65535) throw new SipParseError('Malformed port');
  return port;
}

function parseTelUri(s: string, start: number): SipUri {
  const semi = s.indexOf(';', start);
  const numberEnd = semi === -1 ? s.length : semi;
  if (!allIn(PARAM, s, start, numberEnd)) throw new SipParseError('Malformed tel URI');
  const uri: SipUri = { scheme: 'tel', user: s.slice(start, numberEnd), host: '', params: {}, headers: {} };
  let i = numberEnd;
  while (i < s.length) {
    const end = s.indexOf(';', i + 1) === -1 ? s.length : s.indexOf(';', i + 1);
    const eq = s.indexOf('=', i + 1);
    const nameEnd = eq !== -1 && eq < end ? eq : end;
    if (nameEnd === i + 1 || !allIn(PARAM, s, i + 1, nameEnd)) throw new SipParseError('Malformed tel URI parameter');
    if (nameEnd < end && !allIn(PARAM, s, nameEnd + 1, end)) throw new SipParseError('Malformed tel URI parameter');
    uri.params[s.slice(i + 1, nameEnd).toLowerCase()] = nameEnd < end ? s.slice(nameEnd + 1, end) : null;
    i = end;
  }
  return uri;
}

/** Any visible ASCII except the delimiters that would end a URI inside a header field. */
function isOpaqueText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x3c || c === 0x3e || c === 0x22) return false;
  }
  return true;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
