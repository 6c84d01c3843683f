/**
 * SIP message model (RFC 3261 §7). Headers keep their order and the spelling they arrived with;
 * lookups are case-insensitive and understand the compact forms of §7.3.3.
 */

export interface Header {
  /** Name as received or as set (case preserved). */
  name: string;
  /** Value with surrounding whitespace removed and line folding collapsed. */
  value: string;
}

const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

/** Header names seen so far → normalized form; lookups happen per header per get(), so cache. */
const NORMALIZED = new Map<string, string>();
const NORMALIZED_CACHE_LIMIT = 2048;

/** Lower-case full header name, with compact forms expanded (`v` → `via`). */
export function normalizeHeaderName(name: string): string {
  const cached = NORMALIZED.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const normalized = COMPACT_FORMS[lower] ?? lower;
  if (NORMALIZED.size < NORMALIZED_CACHE_LIMIT) NORMALIZED.set(name, normalized);
  return normalized;
}

export abstract class SipMessage {
  headers: Header[] = [];
  body: Buffer = Buffer.alloc(0);

  abstract readonly kind: 'request' | 'response';

  /** First value of a header, or undefined. */
  get(name: string): string | undefined {
    const wanted = normalizeHeaderName(name);
    for (const h of this.headers) if (normalizeHeaderName(h.name) === wanted) return h.value;
    return undefined;
  }

  /** Every header line with this name, in order (comma-joined values are NOT split here). */
  getAll(name: string): string[] {
    const wanted = normalizeHeaderName(name);
    return this.headers.filter((h) => normalizeHeaderName(h.name) === wanted).map((h) => h.value);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replace every line of this header by one line (or append it when absent). */
  set(name: string, value: string): void {
    const wanted = normalizeHeaderName(name);
    const index = this.headers.findIndex((h) => normalizeHeaderName(h.name) === wanted);
    if (index === -1) {
      this.headers.push({ name, value });
      return;
    }
    this.headers[index] = { name, value };
    this.headers = this.headers.filter((h, i) => i === index || normalizeHeaderName(h.name) !== wanted);
  }

  append(name: string, value: string): void {
    this.headers.push({ name, value });
  }

  /** Insert before every other header (used for Via and Record-Route). */
  prepend(name: string, value: string): void {
    this.headers.unshift({ name, value });
  }

  remove(name: string): void {
    const wanted = normalizeHeaderName(name);
    this.headers = this.headers.filter((h) => normalizeHeaderName(h.name) !== wanted);
  }

  get callId(): string {
    return this.get('call-id') ?? '';
  }
}

export class SipRequest extends SipMessage {
  readonly kind = 'request' as const;
  constructor(
    public method: string,
    public uri: string,
    public version = 'SIP/2.0',
  ) {
    super();
  }
}

export class SipResponse extends SipMessage {
  readonly kind = 'response' as const;
  constructor(
    public status: number,
    public reason: string,
    public version = 'SIP/2.0',
  ) {
    super();
  }
}

export type AnySipMessage = SipRequest | SipResponse;
