/**
 * Identities and identity patterns. Every identity the domain stores or compares is in one
 * canonical form: `sip:user@host` (display name, parameters, headers, password and port dropped,
 * host lower-cased, `sips:` folded into `sip:`) or `tel:+number` (visual separators dropped).
 */

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** The canonical identity for a name-addr, addr-spec or bare URI, or undefined when it is not a sip/sips/tel URI. */
export function normalizeIdentity(raw: string): string | undefined {
  let uri = extractAddrSpec(raw.trim());
  if (uri === '') return undefined;
  if (!SCHEME.test(uri)) {
    if (!uri.includes('@')) return undefined;
    uri = `sip:${uri}`;
  }
  const match = SCHEME.exec(uri);
  if (match === null) return undefined;
  const scheme = match[1].toLowerCase();
  const rest = uri.slice(match[0].length);
  if (scheme === 'sip' || scheme === 'sips') return normalizeSipUri(rest);
  if (scheme === 'tel') return normalizeTelUri(rest);
  return undefined;
}

/** Take the URI out of `"Name" <uri>;params`, or drop header params after a bare URI. */
function extractAddrSpec(value: string): string {
  let inQuotes = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\' && inQuotes) {
      i++;
      continue;
    }
    if (ch === '"') inQuotes = !inQuotes;
    if (ch === '<' && !inQuotes) {
      const end = value.indexOf('>', i + 1);
      return end < 0 ? '' : value.slice(i + 1, end).trim();
    }
  }
  return value;
}

function normalizeSipUri(rest: string): string | undefined {
  const withoutHeaders = rest.split('?')[0];
  const at = withoutHeaders.lastIndexOf('@');
  const userInfo = at >= 0 ? withoutHeaders.slice(0, at) : '';
  const hostPart = at >= 0 ? withoutHeaders.slice(at + 1) : withoutHeaders;
  const user = userInfo.split(':')[0];
  const host = stripPort(hostPart.split(';')[0]).toLowerCase();
  if (host === '') return undefined;
  if (at >= 0 && user === '') return undefined;
  return user === '' ? `sip:${host}` : `sip:${user}@${host}`;
}

function stripPort(hostPort: string): string {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    return end < 0 ? hostPort : hostPort.slice(0, end + 1);
  }
  const colon = hostPort.indexOf(':');
  return colon < 0 ? hostPort : hostPort.slice(0, colon);
}

function normalizeTelUri(rest: string): string | undefined {
  const number = rest.split(';')[0].replace(/[-.()\s]/g, '');
  return /^\+?[0-9*#a-fA-F]+$/.test(number) ? `tel:${number}` : undefined;
}

/** A compiled identity pattern: `*` matches any run of characters, everything else literally. */
export class IdentityPattern {
  readonly source: string;
  private readonly regex: RegExp;

  constructor(pattern: string) {
    this.source = pattern;
    this.regex = compilePattern(pattern);
  }

  /** True when the identity (any form `normalizeIdentity` accepts) matches. */
  matches(identity: string): boolean {
    const canonical = normalizeIdentity(identity);
    return canonical !== undefined && this.regex.test(canonical);
  }
}

/** Does `uri` match `pattern` (e.g. `sip:1*@*`, `sip:reception@*`, `tel:+4420*`)? */
export function matchIdentity(pattern: string, uri: string): boolean {
  return new IdentityPattern(pattern).matches(uri);
}

function compilePattern(pattern: string): RegExp {
  const trimmed = pattern.trim();
  if (trimmed === '*') return /^.*$/s;
  const withScheme = SCHEME.test(trimmed) ? trimmed : `sip:${trimmed}`;
  const canonical = normalizeIdentity(withScheme) ?? withScheme;
  const body = canonical
    .split('*')
    .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}
