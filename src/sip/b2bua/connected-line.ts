/**
 * DESIGN §4.5 connected line: once a retriever (or a parker answering ring back) is bridged to the
 * parked party, its phone should show that party, not the orbit. RFC 3311 UPDATE without SDP when
 * the phone's Allow lists it, else a re-INVITE repeating our current SDP (RFC 3264 §8: unchanged
 * version, so no media change), both carrying P-Asserted-Identity (RFC 3325).
 */
import type pino from 'pino';
import type Srf from 'drachtio-srf';

export interface ConnectedIdentity {
  readonly uri: string;
  readonly displayName?: string;
}

export interface ConnectedLineOptions {
  /** Config switch; false skips the update. */
  readonly enabled: boolean;
  /** The phone's Allow header (from its INVITE or 200 OK); decides UPDATE or re-INVITE. */
  readonly allow?: string;
  readonly log: pino.Logger;
}

export type ConnectedLineOutcome = 'updated' | 'skipped' | 'refused';

export function connectedLineMethod(allow: string | undefined): 'UPDATE' | 'INVITE' {
  const methods = (allow ?? '').split(',').map((method) => method.trim().toUpperCase());
  return methods.includes('UPDATE') ? 'UPDATE' : 'INVITE';
}

/** `"Carol" <sip:carol@example.com>` with quotes and backslashes kept out of the display name. */
export function assertedIdentity(identity: ConnectedIdentity): string {
  const name = identity.displayName?.replace(/["\\\r\n]/g, '').trim();
  return name ? `"${name}" <${identity.uri}>` : `<${identity.uri}>`;
}

interface DialogRequester {
  request(opts: { method: 'UPDATE' | 'INVITE'; headers: Record<string, string>; body?: string }): Promise<{ status: number }>;
}

export async function updateConnectedLine(dialog: Srf.Dialog, identity: ConnectedIdentity, options: ConnectedLineOptions): Promise<ConnectedLineOutcome> {
  if (!options.enabled) return 'skipped';
  const method = connectedLineMethod(options.allow);
  const headers: Record<string, string> = { 'P-Asserted-Identity': assertedIdentity(identity) };
  let body: string | undefined;
  if (method === 'INVITE') {
    headers['Content-Type'] = 'application/sdp';
    body = dialog.local.sdp;
  }
  try {
    const response = await (dialog as unknown as DialogRequester).request({ method, headers, body });
    if (response.status >= 300) {
      options.log.info({ status: response.status, method }, `connected-line ${method} refused`);
      return 'refused';
    }
    return 'updated';
  } catch (err) {
    options.log.info({ err, method }, `connected-line ${method} not sent`);
    return 'refused';
  }
}
