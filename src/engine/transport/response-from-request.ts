import { SipResponse, type SipRequest } from '../message/sip-message';

/** Reason phrases must be one line of printable text; parse-error texts are untrusted and unbounded. */
export function safeReasonPhrase(reason: string, maxLength = 120): string {
  const oneLine = reason.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').trim();
  return (oneLine.length > maxLength ? oneLine.slice(0, maxLength) : oneLine) || 'Bad Request';
}

/**
 * A response to `request` built as RFC 3261 §8.2.6.2 says: the Via lines (in order), From, Call-ID
 * and CSeq copied, To copied with `toTag` added when it has no tag yet (never for 100, §8.2.6.2).
 */
export function responseFromRequest(request: SipRequest, status: number, reason: string, toTag?: string): SipResponse {
  const response = new SipResponse(status, reason);
  for (const via of request.getAll('via')) response.append('Via', via);
  const from = request.get('from');
  if (from !== undefined) response.append('From', from);
  const to = request.get('to');
  if (to !== undefined) {
    const needsTag = status !== 100 && toTag !== undefined && !/;\s*tag\s*=/i.test(to);
    response.append('To', needsTag ? `${to};tag=${toTag}` : to);
  }
  const callId = request.get('call-id');
  if (callId !== undefined) response.append('Call-ID', callId);
  const cseq = request.get('cseq');
  if (cseq !== undefined) response.append('CSeq', cseq);
  response.append('Content-Length', '0');
  return response;
}
