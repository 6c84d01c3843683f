/**
 * Character classes and small scanners of the RFC 3261 §25 grammar, shared by the header parsers.
 * Everything works on JS strings by char code; nothing here allocates per character.
 */
import { SipParseError } from './errors';

function charClass(extra: string, alphanumeric = true): Uint8Array {
  const table = new Uint8Array(128);
  if (alphanumeric) {
    for (let c = 0x30; c <= 0x39; c++) table[c] = 1;
    for (let c = 0x41; c <= 0x5a; c++) table[c] = 1;
    for (let c = 0x61; c <= 0x7a; c++) table[c] = 1;
  }
  for (let i = 0; i < extra.length; i++) table[extra.charCodeAt(i)] = 1;
  return table;
}

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = charClass("-.!%*_+`'~");
/** unreserved = alphanum / mark */
const UNRESERVED = "-_.!~*'()";
/** user = 1*( unreserved / escaped / user-unreserved ) */
export const USER = charClass(UNRESERVED + '&=+$,;?/%');
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
export const PASSWORD = charClass(UNRESERVED + '&=+$,%');
/** paramchar = param-unreserved / unreserved / escaped */
export const PARAM = charClass(UNRESERVED + '[]/:&+$%');
/** hname / hvalue characters = hnv-unreserved / unreserved / escaped */
export const URI_HEADER = charClass(UNRESERVED + '[]/?:+$%');
/** hostname characters, plus "_" which is not legal but common in the wild. */
export const HOST = charClass('-._');
/** Inside an IPv6 reference: hex digits, ":" and "." (IPv4-mapped tail). */
export const IPV6 = charClass(':.');
/** gen-value = token / host / quoted-string; host adds ":" "[" "]" for IP addresses. */
export const GEN_VALUE = charClass("-.!%*_+`'~:[]");
/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
export const SCHEME = charClass('+-.');

export function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

/** Trim SP, HT, CR and LF only (String.prototype.trim would also eat U+FEFF, NBSP, …). */
export function trimLws(s: string, from = 0, to = s.length): string {
  while (from < to && isWhitespace(s.charCodeAt(from))) from++;
  while (to > from && isWhitespace(s.charCodeAt(to - 1))) to--;
  return s.slice(from, to);
}

export function skipWhitespace(s: string, i: number): number {
  while (i < s.length && isWhitespace(s.charCodeAt(i))) i++;
  return i;
}

/** True when every character of s[from, to) is in the class (and the range is not empty). */
export function allIn(table: Uint8Array, s: string, from = 0, to = s.length): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || table[c] !== 1) return false;
  }
  return true;
}

/** End of a run of characters of the class starting at i. */
export function scan(table: Uint8Array, s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 128 || table[c] !== 1) break;
    i++;
  }
  return i;
}

/** escaped = "%" HEXDIG HEXDIG: every "%" in s must start one. */
export function escapesAreValid(s: string): boolean {
  let i = s.indexOf('%');
  while (i !== -1) {
    if (i + 2 >= s.length) return false;
    if (!isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return false;
    i = s.indexOf('%', i + 3);
  }
  return true;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Index just after the quoted-string that starts at s[start] === '"'. quoted-pair escapes
 * (backslash + any character) are skipped. Throws on an unterminated string.
 */
export function quotedStringEnd(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  throw new SipParseError('Unterminated quoted string');
}

/** Content of a quoted-string (with its quotes) with quoted-pairs resolved. */
export function unquote(quoted: string): string {
  const inner = quoted.slice(1, -1);
  if (inner.indexOf('\\') === -1) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === '\\' && i + 1 < inner.length) {
      out += inner[i + 1];
      i++;
    } else out += ch;
  }
  return out;
}

/** A quoted-string for any text, escaping backslash and double quote. */
export function quote(text: string): string {
  return '"' + text.replace(/[\\"]/g, (ch) => '\\' + ch) + '"';
}

export type Params = Record<string, string | null>;

/**
 * Header parameters `*( SEMI generic-param )` from s[i] to the end of s, with LWS allowed around
 * ";" and "=". Names are lower-cased (they compare case-insensitively); values are kept as
 * written, quoted-strings with their quotes.
 */
export function parseHeaderParams(s: string, i: number, into: Params = {}): Params {
  const len = s.length;
  while (true) {
    i = skipWhitespace(s, i);
    if (i >= len) return into;
    if (s.charCodeAt(i) !== 0x3b) throw new SipParseError('Unexpected text after header value');
    i = skipWhitespace(s, i + 1);
    const nameEnd = scan(TOKEN, s, i);
    if (nameEnd === i) throw new SipParseError('Empty header parameter');
    const name = s.slice(i, nameEnd).toLowerCase();
    i = skipWhitespace(s, nameEnd);
    if (i < len && s.charCodeAt(i) === 0x3d) {
      i = skipWhitespace(s, i + 1);
      let valueEnd: number;
      if (i < len && s.charCodeAt(i) === 0x22) valueEnd = quotedStringEnd(s, i);
      else valueEnd = scan(GEN_VALUE, s, i);
      if (valueEnd === i) throw new SipParseError('Empty header parameter value');
      into[name] = s.slice(i, valueEnd);
      i = valueEnd;
    } else {
      into[name] = null;
    }
  }
}

/** `;name` / `;name=value` for each parameter, in insertion order. */
export function formatParams(params: Params): string {
  let out = '';
  for (const name in params) {
    const value = params[name];
    out += value === null || value === undefined ? ';' + name : ';' + name + '=' + value;
  }
  return out;
}
