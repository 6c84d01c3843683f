/** CSeq (RFC 3261 §20.16, §8.1.1.5). */
import { SipParseError } from './errors';
import { allIn, isWhitespace, TOKEN, trimLws } from './grammar';

export interface CSeq {
  seq: number;
  method: string;
}

/** Largest sequence number allowed: "MUST be less than 2**31" (§8.1.1.5). */
const MAX_SEQ = 2 ** 31 - 1;

export function parseCSeq(value: string): CSeq {
  const s = trimLws(value);
  let digitsEnd = 0;
  while (digitsEnd < s.length && s.charCodeAt(digitsEnd) >= 0x30 && s.charCodeAt(digitsEnd) <= 0x39) digitsEnd++;
  if (digitsEnd === 0 || digitsEnd > 10) throw new SipParseError('Malformed CSeq');
  const seq = Number(s.slice(0, digitsEnd));
  if (seq > MAX_SEQ) throw new SipParseError('CSeq number out of range');
  let methodStart = digitsEnd;
  while (methodStart < s.length && isWhitespace(s.charCodeAt(methodStart))) methodStart++;
  if (methodStart === digitsEnd || !allIn(TOKEN, s, methodStart)) throw new SipParseError('Malformed CSeq');
  return { seq, method: s.slice(methodStart) };
}

export function formatCSeq(cseq: CSeq): string {
  return cseq.seq + ' ' + cseq.method;
}
