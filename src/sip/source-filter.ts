/**
 * `sip.allowedSources`: who may send INVITEs and SUBSCRIBEs at all. Checked before anything else
 * (identity, admission, lamps, B2BUA), because an identity taken from a From header is only as
 * good as the network that carries it: anyone else could forge a member's From and retrieve calls.
 */
import type Srf from 'drachtio-srf';
import type pino from 'pino';
import { TrustedPeers } from './identity';

export const SOURCE_NOT_ALLOWED = { status: 403, reason: 'Source not allowed' } as const;

/** The methods a source must be allowed for; in-dialog requests follow their dialog. */
export const FILTERED_METHODS = ['invite', 'subscribe'] as const;

type Middleware = (req: Srf.SrfRequest, res: Srf.SrfResponse, next: () => void) => void;

/** srf middleware answering 403 to requests from outside `allowed` (IPs or CIDR ranges), with one log line each. */
export function sourceFilter(allowed: readonly string[], log: pino.Logger): Middleware {
  const list = new TrustedPeers(allowed);
  return (req, res, next) => {
    if (list.has(req.source_address)) {
      next();
      return;
    }
    log.warn(
      { source: req.source_address, method: req.method, callId: req.get('Call-ID') },
      `${req.method} from ${req.source_address} refused: not in sip.allowedSources`,
    );
    res.send(SOURCE_NOT_ALLOWED.status, SOURCE_NOT_ALLOWED.reason, {});
  };
}

/** Install the filter ahead of every other INVITE/SUBSCRIBE middleware (call it first). */
export function installSourceFilter(srf: Srf, allowed: readonly string[], log: pino.Logger): void {
  const filter = sourceFilter(allowed, log);
  for (const method of FILTERED_METHODS) srf.use(method, (req, res, next) => filter(req, res, () => next()));
}
