/**
 * DESIGN §2 B2BUA mode: a phone's INVITE is bridged to the upstream (same user, upstream host),
 * an INVITE from the upstream to the phone its Request-URI names. Identity headers travel both
 * ways; SDP passes through untouched (media flows end to end until a park moves it).
 */
import type pino from 'pino';
import type Srf from 'drachtio-srf';
import { CallCanceledError, CallContext } from '../call-context';
import { callerIdentity, type SipIdentity, type TrustedPeers } from '../identity';
import { dialledTarget } from '../invite-middleware';
import { parseNameAddr } from '../name-addr';
import { refuse } from '../sip-errors';
import { hangUp, isSipError } from '../srf-extras';
import { BridgedCall, type ReferHandler } from './bridged-call';
import type { Upstream } from './upstream';

/** Identity and capability headers copied from A's INVITE to B, and from B's answer back to A. */
export const IDENTITY_REQUEST_HEADERS = ['P-Asserted-Identity', 'P-Preferred-Identity', 'Privacy', 'Remote-Party-ID', 'Diversion', 'History-Info', 'Alert-Info', 'Call-Info', 'Referred-By'];
export const IDENTITY_RESPONSE_HEADERS = ['P-Asserted-Identity', 'Privacy', 'Remote-Party-ID', 'Call-Info'];

export interface InviteBridgeDeps {
  readonly srf: Srf;
  readonly upstream: Upstream;
  readonly trusted: TrustedPeers;
  readonly log: pino.Logger;
  readonly onRefer: ReferHandler;
  newContext(callId: string): CallContext;
}

function withoutTag(value: string | undefined): string | undefined {
  return value?.replace(/;\s*tag=[^;>]*/i, '');
}

function calleeIdentity(req: Srf.SrfRequest, uac: Srf.Dialog): SipIdentity {
  const answered = (uac as unknown as { res?: { get(name: string): string | undefined } }).res?.get('P-Asserted-Identity');
  const value = answered ?? req.get('To') ?? req.uri;
  const addr = parseNameAddr(answered ? 'P-Asserted-Identity' : 'To', value);
  const user = addr.user ?? '';
  return { aor: addr.host ? `${user}@${addr.host}` : user, user, uri: addr.uri, displayName: addr.displayName, source: 'from' };
}

export async function bridgeInvite(deps: InviteBridgeDeps, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
  const ctx = deps.newContext(req.get('Call-ID') ?? 'unknown');
  req.on('cancel', () => ctx.markCanceled());
  const fromUpstream = deps.upstream.sent(req);
  const target = fromUpstream ? req.uri : deps.upstream.requestUri(dialledTarget(req));
  try {
    const caller = callerIdentity(req, deps.trusted);
    ctx.log.info({ caller: caller.aor, target, direction: fromUpstream ? 'to-phone' : 'to-upstream' }, `bridging INVITE to ${target}`);
    const headers: Record<string, string> = {};
    const from = withoutTag(req.get('From'));
    const to = withoutTag(req.get('To'));
    if (from) headers.From = from;
    if (to && fromUpstream) headers.To = to;
    const { uas, uac } = await deps.srf.createB2BUA(req, res, target, {
      headers,
      proxyRequestHeaders: IDENTITY_REQUEST_HEADERS,
      proxyResponseHeaders: IDENTITY_RESPONSE_HEADERS,
    });
    const callerRegistration = ctx.teardown.add('dialog', 'caller dialog', () => hangUp(uas));
    const calleeRegistration = ctx.teardown.add('dialog', 'callee dialog', () => hangUp(uac));
    const call = new BridgedCall(
      ctx,
      { name: 'caller', dialog: uas, party: caller, registration: callerRegistration },
      { name: 'callee', dialog: uac, party: calleeIdentity(req, uac), registration: calleeRegistration },
      deps.onRefer,
    );
    call.wire();
  } catch (err) {
    if (isSipError(err)) {
      // passFailure: srf already relayed B's failure to A.
      ctx.log.info({ status: err.status }, `callee answered ${err.status}`);
      if (!res.finalResponseSent) res.send(err.status);
    } else {
      refuse(res, ctx.canceled ? new CallCanceledError() : err, ctx.log);
    }
    await ctx.teardown.run();
  }
}
