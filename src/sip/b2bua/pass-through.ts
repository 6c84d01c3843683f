/**
 * Requests outside any dialog that are not for callpark (REGISTER, SUBSCRIBE for other resources,
 * MESSAGE, OPTIONS, PUBLISH) are proxied: a phone's to the upstream, the upstream's to its
 * Request-URI. drachtio does the proxying (srf.proxyRequest); we only pick the destination.
 */
import type pino from 'pino';
import type Srf from 'drachtio-srf';
import { dialledTarget } from '../invite-middleware';
import type { Upstream } from './upstream';

export interface PassThroughCounts {
  proxied: number;
  failed: number;
}

export class PassThrough {
  private readonly tally: PassThroughCounts = { proxied: 0, failed: 0 };

  constructor(
    private readonly srf: Srf,
    private readonly upstream: Upstream,
    private readonly log: pino.Logger,
  ) {}

  proxy(req: Srf.SrfRequest, res: Srf.SrfResponse): void {
    // The destination becomes the Request-URI: the same user at the upstream (none for REGISTER).
    const destination = this.upstream.sent(req) ? req.uri : this.upstream.requestUri(dialledTarget(req));
    const proxied = this.srf as unknown as {
      proxyRequest(r: Srf.SrfRequest, d: string, o: { recordRoute: boolean; remainInDialog: boolean }): Promise<unknown>;
    };
    proxied
      .proxyRequest(req, destination, { recordRoute: req.method === 'SUBSCRIBE', remainInDialog: req.method === 'SUBSCRIBE' })
      .then(() => {
        this.tally.proxied += 1;
      })
      .catch((err: unknown) => {
        this.tally.failed += 1;
        this.log.warn({ err, method: req.method, destination }, `${req.method} could not be proxied`);
        if (!res.finalResponseSent) res.send(502, 'Upstream unreachable', {});
      });
  }

  counts(): PassThroughCounts {
    return { ...this.tally };
  }
}
