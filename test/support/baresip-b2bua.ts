/**
 * baresip as a desk phone behind callpark in B2BUA mode: its account names callpark as outbound
 * proxy, so every request it sends goes through callpark whatever URI is dialled. Also reads the
 * SIP trace baresip prints with `-s`, so that tests can check what a real phone sent and received.
 */
import { Baresip, type BaresipOptions } from './baresip';

/** Start a baresip whose only SIP server is callpark (`host:port`), as a phone with an outbound proxy. */
export function startPhoneBehindCallpark(callpark: string, options: BaresipOptions): Promise<Baresip> {
  return Baresip.start({ ...options, outboundProxy: callpark });
}

/** One SIP message in baresip's `-s` trace. */
export interface TracedSipMessage {
  /** `host:port` it came from and went to. */
  readonly source: string;
  readonly destination: string;
  /** Request line or status line. */
  readonly startLine: string;
  readonly headers: ReadonlyArray<readonly [name: string, value: string]>;
  readonly body: string;
}

// Each message is printed as ESC[36;1m#, `UDP a -> b`, the message, ESC[;m; the colour codes
// are turned into markers first (a regular expression may not hold control characters here).
const ESC = String.fromCharCode(27);
const TRACE_ENTRY = /<trace>#\r?\n(?:UDP|TCP|TLS) (\S+) -> (\S+)\r?\n([\s\S]*?)<\/trace>/g;

export function sipTrace(output: string): TracedSipMessage[] {
  const messages: TracedSipMessage[] = [];
  const marked = output.split(`${ESC}[36;1m`).join('<trace>').split(`${ESC}[;m`).join('</trace>');
  for (const [, source, destination, text] of marked.matchAll(TRACE_ENTRY)) {
    const normalized = (text ?? '').replace(/\r\n/g, '\n');
    const split = normalized.indexOf('\n\n');
    const head = split < 0 ? normalized : normalized.slice(0, split);
    const body = split < 0 ? '' : normalized.slice(split + 2).trim();
    const [startLine = '', ...lines] = head.split('\n');
    const headers = lines.flatMap((line): Array<readonly [string, string]> => {
      const colon = line.indexOf(':');
      return colon > 0 ? [[line.slice(0, colon).trim(), line.slice(colon + 1).trim()]] : [];
    });
    messages.push({ source: source ?? '', destination: destination ?? '', startLine: startLine.trim(), headers, body });
  }
  return messages;
}

/** The first value of a header (case-insensitive name). */
export function headerOf(message: TracedSipMessage, name: string): string | undefined {
  return message.headers.find(([header]) => header.toLowerCase() === name.toLowerCase())?.[1];
}

/** Requests of `method` in the trace that `phone` sent (from its SIP port). */
export function sentRequests(phone: Baresip, method: string): TracedSipMessage[] {
  return sipTrace(phone.output()).filter((message) => message.source.endsWith(`:${phone.sipPort}`) && message.startLine.startsWith(`${method} `));
}

/** Requests of `method` in the trace that reached `phone`. */
export function receivedRequests(phone: Baresip, method: string): TracedSipMessage[] {
  return sipTrace(phone.output()).filter((message) => message.destination.endsWith(`:${phone.sipPort}`) && message.startLine.startsWith(`${method} `));
}

export interface ReferProgress {
  /** `Subscription-State` of the NOTIFY, e.g. `active;expires=60`. */
  readonly subscriptionState: string;
  /** The sipfrag status line, e.g. `SIP/2.0 200 Parked at 701`. */
  readonly sipfrag: string;
}

/** The NOTIFYs (Event: refer) a transferor received about its REFER, in order. */
export function referProgress(phone: Baresip): ReferProgress[] {
  return receivedRequests(phone, 'NOTIFY')
    .filter((notify) => /^refer\b/i.test(headerOf(notify, 'Event') ?? ''))
    .map((notify) => ({ subscriptionState: headerOf(notify, 'Subscription-State') ?? '', sipfrag: notify.body.split('\n')[0]?.trim() ?? '' }));
}
