import { tagOf } from '../message';
import type { SipRequest, SipResponse } from '../message/sip-message';
import { topVia } from '../transport/response-destination';

/** RFC 3261 §8.1.1.7: branches of RFC 3261 clients start with this magic cookie. */
const MAGIC_COOKIE = 'z9hG4bK';

/** Method of a CSeq value (`314159 INVITE` → `INVITE`), or undefined. */
export function cseqMethod(cseq: string | undefined): string | undefined {
  if (cseq === undefined) return undefined;
  const trimmed = cseq.trim();
  let i = trimmed.length;
  while (i > 0 && trimmed.charCodeAt(i - 1) !== 0x20 && trimmed.charCodeAt(i - 1) !== 0x09) i--;
  return i === 0 || i === trimmed.length ? undefined : trimmed.slice(i);
}

function cseqNumber(cseq: string | undefined): string {
  if (cseq === undefined) return '';
  const trimmed = cseq.trim();
  let i = 0;
  while (i < trimmed.length && trimmed.charCodeAt(i) !== 0x20 && trimmed.charCodeAt(i) !== 0x09) i++;
  return trimmed.slice(0, i);
}

/** Client transactions are keyed by our own branch and the method (§17.1.3). */
export function clientKey(branch: string, method: string): string {
  return branch + '\u0000' + method;
}

/**
 * RFC 3261 §17.1.3: a response matches the client transaction whose branch equals the top Via
 * branch and whose method equals the CSeq method.
 */
export function clientKeyOfResponse(response: SipResponse): string | undefined {
  const branch = topBranch(response);
  const method = cseqMethod(response.get('cseq'));
  return branch === undefined || method === undefined ? undefined : clientKey(branch, method);
}

/**
 * The server-transaction key of a request (§17.2.3), with `method` overriding the request's own
 * (ACK and CANCEL look up the INVITE they belong to). Undefined when the top Via is unusable.
 */
export function serverKey(request: SipRequest, method = request.method === 'ACK' ? 'INVITE' : request.method): string | undefined {
  const via = topVia(request);
  if (via === undefined) return undefined;
  const sentBy = via.host.toLowerCase() + ':' + (via.port === undefined ? '' : String(via.port));
  const branch = via.params.branch;
  // RFC 3261 §17.2.3: with the magic cookie, branch + sent-by + method identify the transaction.
  if (typeof branch === 'string' && branch.startsWith(MAGIC_COOKIE)) {
    return branch + '\u0000' + sentBy + '\u0000' + method;
  }
  // RFC 3261 §17.2.3, RFC 2543 fallback: Request-URI, From tag, Call-ID, CSeq number and top Via.
  // DEVIATION: the To tag is left out (the INVITE has none, its ACK carries ours), which is enough
  // to tell transactions apart since Call-ID + From tag + CSeq number already identify them.
  let fromTag: string | undefined;
  try {
    const from = request.get('from');
    fromTag = from === undefined ? undefined : tagOf(from);
  } catch {
    fromTag = undefined;
  }
  return [
    '2543',
    request.uri,
    fromTag ?? '',
    request.callId,
    cseqNumber(request.get('cseq')),
    sentBy,
    typeof branch === 'string' ? branch : '',
    method,
  ].join('\u0000');
}

/** Branch of the top Via (the first value of the first Via line). */
export function topBranch(message: SipRequest | SipResponse): string | undefined {
  const branch = topVia(message)?.params.branch;
  return typeof branch === 'string' && branch.length > 0 ? branch : undefined;
}
