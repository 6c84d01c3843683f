/**
 * A drachtio-srf app that answers every new request the way a strict UAS would (RFC 3261 §8.2):
 * 416 for a non-SIP Request-URI, 420 for unknown Require option tags, 415 for a body type it does
 * not handle, 406 when Accept rules out SDP, 400/401 for REGISTERs it cannot take; otherwise 200,
 * and 486 for INVITE (never 2xx: no dialog, so nothing is ever sent to the torture messages'
 * made-up Contact hosts). Used by the engine's robustness tests.
 */
import type Srf from 'drachtio-srf';
import { TEST_SDP } from './connect';

const SUPPORTED_OPTION_TAGS = new Set(['100rel', 'timer', 'replaces']);
const KNOWN_BODY_TYPES = new Set(['application/sdp', 'multipart/mixed', 'text/plain', 'message/sipfrag']);
export const STRICT_APP_METHODS = ['invite', 'options', 'register', 'message', 'info', 'subscribe', 'notify', 'publish'] as const;

export interface StrictAnswer {
  status: number;
  headers?: Record<string, string>;
}

interface RequestView {
  method: string;
  uri: string;
  get(name: string): string | undefined;
  has(name: string): boolean;
  body?: string;
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** The answer a strict UAS gives to `req`. */
export function strictAnswer(req: RequestView): StrictAnswer {
  if (!/^sips?:/i.test(req.uri)) return { status: 416 };
  const unsupported = listOf(req.get('require')).filter((tag) => !SUPPORTED_OPTION_TAGS.has(tag.toLowerCase()));
  if (unsupported.length > 0) return { status: 420, headers: { Unsupported: unsupported.join(', ') } };
  const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (req.body !== undefined && req.body.length > 0 && type !== '' && !KNOWN_BODY_TYPES.has(type)) {
    return { status: 415, headers: { Accept: 'application/sdp' } };
  }
  const accept = req.get('accept');
  if (req.method === 'INVITE' && accept !== undefined && !listOf(accept).some((item) => /^application\/(sdp|\*)|^\*\/\*/i.test(item))) {
    return { status: 406 };
  }
  if (req.method === 'REGISTER') {
    if (!/<?\s*sips?:/i.test(req.get('to') ?? '')) return { status: 400 };
    const authorization = req.get('authorization');
    if (authorization !== undefined && !/^\s*digest\s/i.test(authorization)) {
      return { status: 401, headers: { 'WWW-Authenticate': 'Digest realm="callpark", nonce="robustness"' } };
    }
  }
  return { status: req.method === 'INVITE' ? 486 : 200 };
}

export interface StrictAppLog {
  answered: Array<{ method: string; callId: string; status: number }>;
}

/** INVITEs to `sip:<callsTo>@…` are answered with createUAS (a normal call), all others strictly. */
export function installStrictUasApp(srf: Srf, callsTo = 'service'): StrictAppLog {
  const log: StrictAppLog = { answered: [] };
  for (const method of STRICT_APP_METHODS) {
    srf.use(method, (req, res) => {
      const view = req as unknown as RequestView;
      if (view.method === 'INVITE' && view.uri.startsWith(`sip:${callsTo}@`)) {
        srf.createUAS(req, res, { localSdp: TEST_SDP }).catch(() => undefined);
        return;
      }
      const answer = strictAnswer(view);
      log.answered.push({ method: view.method, callId: view.get('call-id') ?? '', status: answer.status });
      res.send(answer.status, answer.headers === undefined ? {} : { headers: answer.headers });
    });
  }
  return log;
}
