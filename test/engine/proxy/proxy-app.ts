/**
 * A drachtio-srf app that proxies every INVITE, REGISTER and OPTIONS with srf.proxyRequest, to
 * the destinations and options the current test sets, and records what srf reported.
 */
import type Srf from 'drachtio-srf';

export interface ProxiedMessage {
  status: number;
}

/** The result object srf builds from the S11/S12 replies (lib/request.js). */
export interface ProxyResult {
  connected: boolean;
  finalStatus?: number;
  finalResponse?: { status: number; msg: ProxiedMessage };
  responses: { address: string; port: number; msgs: { status: number; msg: ProxiedMessage }[] }[];
}

export interface ProxyOutcome {
  method: string;
  result?: ProxyResult;
  error?: string;
}

export interface ProxyPlan {
  destinations: string[];
  options: Srf.ProxyRequestOptions & { headers?: Record<string, string> };
}

function isProxyResult(value: unknown): value is ProxyResult {
  return typeof value === 'object' && value !== null && 'connected' in value && 'responses' in value;
}

export class ProxyApp {
  plan: ProxyPlan = { destinations: [], options: {} };
  readonly outcomes: ProxyOutcome[] = [];
  private waiters: (() => void)[] = [];

  constructor(srf: Srf) {
    const handler = (req: Srf.SrfRequest): void => this.proxy(srf, req);
    srf.invite((req) => handler(req));
    srf.use('register', (req) => handler(req));
    srf.use('options', (req) => handler(req));
  }

  /** Resolves once `count` proxy operations have ended (or rejects after `timeoutMs`). */
  async waitForOutcomes(count: number, timeoutMs = 20000): Promise<ProxyOutcome[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.outcomes.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.outcomes.length} of ${count} proxy outcomes`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.outcomes.slice(0, count);
  }

  reset(plan: ProxyPlan): void {
    this.plan = plan;
    this.outcomes.length = 0;
  }

  private proxy(srf: Srf, req: Srf.SrfRequest): void {
    const method = req.method;
    srf.proxyRequest(req, this.plan.destinations, this.plan.options, (error: unknown, results: unknown) => {
      if (error !== null && error !== undefined) this.outcomes.push({ method, error: String(error) });
      else if (isProxyResult(results)) this.outcomes.push({ method, result: results });
      else this.outcomes.push({ method, error: 'no result object' });
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
  }
}
