import { SipRequest } from '../message/sip-message';
import { cseqOf } from './responses';

/**
 * RFC 3261 §9.1: the CANCEL of `invite`, with its top Via, Request-URI, Call-ID, From, To, CSeq
 * number and Route header fields. No body, no Content-Length (the caller fixes it).
 */
export function cancelRequestFor(invite: SipRequest): SipRequest {
  const cancel = new SipRequest('CANCEL', invite.uri);
  const via = invite.get('via');
  if (via !== undefined) cancel.append('Via', via);
  cancel.append('Max-Forwards', '70');
  cancel.append('From', invite.get('from') ?? '');
  cancel.append('To', invite.get('to') ?? '');
  cancel.append('Call-ID', invite.callId);
  cancel.append('CSeq', `${cseqOf(invite)?.seq ?? 1} CANCEL`);
  for (const route of invite.getAll('route')) cancel.append('Route', route);
  return cancel;
}
