import Srf from 'drachtio-srf';

/** A parsed `name-addr` / `addr-spec` header value (From, To, Contact, Referred-By, P-Asserted-Identity). */
export interface NameAddr {
  displayName?: string;
  /** The URI as written between the angle brackets (or the bare addr-spec). */
  uri: string;
  scheme: 'sip' | 'sips' | 'tel';
  /** User part of a SIP URI, or the number of a tel URI. */
  user?: string;
  host?: string;
  /** Header parameters after the URI (`;tag=…`), names lower-cased. */
  params: Record<string, string | null>;
}

/** A header we must read could not be parsed. Mapped to 400 by sip-errors. */
export class MalformedHeaderError extends Error {
  override readonly name = 'MalformedHeaderError';
  constructor(readonly header: string, detail: string) {
    super(`Malformed ${header} header: ${detail}`);
  }
}

function parseHeaderParams(text: string): Record<string, string | null> {
  const params: Record<string, string | null> = {};
  for (const part of text.split(';')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq < 0) params[trimmed.toLowerCase()] = null;
    else params[trimmed.slice(0, eq).trim().toLowerCase()] = trimmed.slice(eq + 1).trim();
  }
  return params;
}

function unquote(display: string): string | undefined {
  const trimmed = display.trim();
  if (!trimmed) return undefined;
  if (trimmed.startsWith('"') && trimmed.endsWith('"') && trimmed.length >= 2) {
    return trimmed.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return trimmed;
}

/**
 * RFC 3261 §25.1 `name-addr / addr-spec` with header params. Only the first value of a
 * comma-separated list is read (P-Asserted-Identity may carry a SIP and a tel URI).
 */
export function parseNameAddr(header: string, value: string): NameAddr {
  const text = value.trim();
  if (!text) throw new MalformedHeaderError(header, 'empty');
  let displayName: string | undefined;
  let uri: string;
  let rest: string;
  const lt = text.indexOf('<');
  if (lt >= 0) {
    const gt = text.indexOf('>', lt);
    if (gt < 0) throw new MalformedHeaderError(header, 'missing ">"');
    displayName = unquote(text.slice(0, lt));
    uri = text.slice(lt + 1, gt).trim();
    rest = text.slice(gt + 1);
    const comma = rest.indexOf(',');
    if (comma >= 0) rest = rest.slice(0, comma);
  } else {
    // addr-spec form: URI params and header params cannot be told apart, so
    // RFC 3261 §20.10 makes everything after the first ';' a header parameter.
    const first = text.split(',')[0]!.trim();
    const semi = first.indexOf(';');
    uri = semi >= 0 ? first.slice(0, semi) : first;
    rest = semi >= 0 ? first.slice(semi) : '';
  }
  const parsed = Srf.parseUri(uri);
  if (!parsed) throw new MalformedHeaderError(header, 'not a sip, sips or tel URI');
  if (parsed.scheme === 'tel') {
    const number = uri.slice(uri.indexOf(':') + 1).split(';')[0]!.trim();
    if (!number) throw new MalformedHeaderError(header, 'empty tel URI');
    return { displayName, uri, scheme: 'tel', user: number, params: parseHeaderParams(rest) };
  }
  if (!parsed.host) throw new MalformedHeaderError(header, 'URI has no host');
  return {
    displayName,
    uri,
    scheme: parsed.scheme,
    user: parsed.user,
    host: parsed.host,
    params: parseHeaderParams(rest),
  };
}
