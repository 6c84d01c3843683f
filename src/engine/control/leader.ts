/**
 * Frame payloads: `leader` [CRLF `SIP message`], the leader being `|`-separated tokens
 * (wire protocol §1.1), and builders for the token lists of the server→app frames (§3.2, §3.3).
 *
 * Builders return the tokens that follow the message id (for AppConnection.push) or that follow
 * `response|<rid>` (for AppConnection.respond). Positions are fixed and empty tokens significant.
 */

const CRLF = '\r\n';

export interface SplitPayload {
  tokens: string[];
  /** Everything after the first CRLF; empty when the payload has none. */
  sipText: string;
}

export function splitPayload(payload: string): SplitPayload {
  const lineEnd = payload.indexOf(CRLF);
  if (lineEnd === -1) return { tokens: payload.split('|'), sipText: '' };
  return { tokens: payload.slice(0, lineEnd).split('|'), sipText: payload.slice(lineEnd + 2) };
}

/** The payload of a frame: tokens joined by `|`, then CRLF and the SIP text when there is one. */
export function joinPayload(tokens: readonly string[], sipText?: string): string {
  const leader = tokens.join('|');
  return sipText === undefined || sipText === '' ? leader : leader + CRLF + sipText;
}

/** True when a token can be placed in a leader without breaking its framing. */
export function isSafeToken(token: string): boolean {
  return !/[|\r\n]/.test(token);
}

export type MessageSource = 'network' | 'application';

export interface MessageMeta {
  /** `network`: received from a SIP peer; `application`: sent by or on behalf of the app. */
  source: MessageSource;
  /** Size of the SIP message in bytes (informational for srf). */
  bytes: number;
  /** `udp`, `tcp`, `tls` (ws/wss report as tcp). */
  protocol: string;
  /** Remote source for received messages; local address for sent requests; remote target for sent responses. */
  address: string;
  port: number;
  at?: Date;
}

/** UTC time of day as drachtio-server writes it: `HH:MM:SS.uuuuuu`. */
export function formatStackTime(at: Date): string {
  const hh = String(at.getUTCHours()).padStart(2, '0');
  const mm = String(at.getUTCMinutes()).padStart(2, '0');
  const ss = String(at.getUTCSeconds()).padStart(2, '0');
  const micros = String(at.getUTCMilliseconds() * 1000).padStart(6, '0');
  return `${hh}:${mm}:${ss}.${micros}`;
}

/** The six META tokens `source|bytes|protocol|address|port|time` (§3.3). */
export function meta6(meta: MessageMeta): string[] {
  return [
    meta.source,
    String(meta.bytes),
    meta.protocol,
    meta.address,
    String(meta.port),
    formatStackTime(meta.at ?? new Date()),
  ];
}

/** S1: a new out-of-dialog request from the network. `sip|META6|TXN||localHost|localPort|`. */
export function newRequestTokens(meta: readonly string[], transactionId: string, localHost: string, localPort: number): string[] {
  return ['sip', ...meta, transactionId, '', localHost, String(localPort), ''];
}

/**
 * S2: an in-dialog request, a response to an app request, ACK/PRACK, or CANCEL/UPDATE during an
 * INVITE transaction. `sip|META6|TXN|DLG|`. With an empty dialogId this is S3 (quick CANCEL).
 */
export function inDialogTokens(meta: readonly string[], transactionId: string, dialogId: string): string[] {
  return ['sip', ...meta, transactionId, dialogId, ''];
}

/** S3: CANCEL of an INVITE the app has not answered yet, carrying the INVITE's TXN. */
export function quickCancelTokens(meta: readonly string[], inviteTransactionId: string): string[] {
  return inDialogTokens(meta, inviteTransactionId, '');
}

/** Transaction id srf recognises as a server-generated request (§6.2). */
export const UNSOLICITED_TRANSACTION_ID = 'unsolicited';

/** S4: a BYE the engine sent itself (session timer, ACK timeout, CANCEL race). META source must be `application`. */
export function unsolicitedByeTokens(meta: readonly string[], dialogId: string): string[] {
  return inDialogTokens(meta, UNSOLICITED_TRANSACTION_ID, dialogId);
}

const MSG_SENT = 'Msg sent:';

/** S8 (after `response|RID`): the app's request went out. `OK|META6|TXN|Msg sent:|`. */
export function sentRequestReplyTokens(meta: readonly string[], transactionId: string): string[] {
  return ['OK', ...meta, transactionId, MSG_SENT, ''];
}

/** S9 (after `response|RID`): the app's response went out. `OK|META6|TXN|DLG||Msg sent:|`. */
export function sentResponseReplyTokens(meta: readonly string[], transactionId: string, dialogId: string): string[] {
  return ['OK', ...meta, transactionId, dialogId, '', MSG_SENT, ''];
}

/** S11 (after `response|RID`): one final response received while proxying. `OK|META6|||continue`. */
export function proxyContinueTokens(meta: readonly string[]): string[] {
  return ['OK', ...meta, '', '', 'continue'];
}

/** S12 (after `response|RID`): proxying finished. */
export function proxyDoneTokens(): string[] {
  return ['OK', 'done'];
}

/** S5: generic success. */
export function okTokens(...extra: string[]): string[] {
  return ['OK', ...extra];
}

/**
 * S10: failure. `NOK` for SIP-level failures (the engine's convention, like drachtio-server),
 * `NO` for admin-level ones. Characters that would break the leader are replaced by spaces.
 */
export function failureTokens(reason: string, code: 'NOK' | 'NO' = 'NOK'): string[] {
  return [code, reason.replace(/[|\r\n]/g, ' ')];
}
