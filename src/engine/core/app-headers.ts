/**
 * Rules for headers an app supplies (wire protocol §4.2, §5.1, §9): which are dropped, how names
 * are spelled on the wire, the SDP content-type rule and `@localhost` substitution.
 */
import { canonicalHeaderName } from '../message/header-names';
import { normalizeHeaderName, type SipMessage } from '../message/sip-message';
import { AppMessageError } from './sip-text';

/** Never taken from the app: the engine owns them. */
const IMMUTABLE = new Set(['via', 'route', 'record-route', 'rseq', 'content-length']);

/** No session timers in this engine, so their headers never go out (wire protocol §4.7). */
const SESSION_TIMER = new Set(['session-expires', 'min-se']);

export interface CopyOptions {
  /** Further lower-case full names to leave out (e.g. `from`, `to` for responses). */
  skip?: ReadonlySet<string>;
}

/** Appends the app's headers to `target`, minus the immutable ones and `skip`, with canonical names. */
export function copyAppHeaders(app: SipMessage, target: SipMessage, options: CopyOptions = {}): void {
  for (const header of app.headers) {
    const full = normalizeHeaderName(header.name);
    if (IMMUTABLE.has(full) || SESSION_TIMER.has(full) || options.skip?.has(full)) continue;
    if (/[\r\n]/.test(header.value)) continue;
    target.append(canonicalHeaderName(header.name), header.value);
  }
}

/**
 * §5.1: a body without Content-Type gets `application/sdp` when it starts with `v=0`; any other
 * untyped body is refused when `strict` (requests), left alone otherwise.
 */
export function applyContentTypeRule(message: SipMessage, strict: boolean): void {
  if (message.body.length === 0 || message.has('content-type')) return;
  if (message.body.toString('utf8', 0, 3) === 'v=0') {
    message.append('Content-Type', 'application/sdp');
    return;
  }
  if (strict) throw new AppMessageError('missing content-type');
}

const LOCALHOST_HEADERS = ['from', 'to', 'contact', 'p-asserted-identity'];

/** §9: `…@localhost` in From/To/Contact/P-Asserted-Identity becomes `…@<host:port>` of the transport used. */
export function substituteLocalhost(message: SipMessage, hostPortText: string): void {
  for (const header of message.headers) {
    if (!LOCALHOST_HEADERS.includes(normalizeHeaderName(header.name))) continue;
    header.value = header.value.replace(/@localhost(?![\w.-])(:\d+)?/gi, `@${hostPortText}`);
  }
}
