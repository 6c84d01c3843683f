/**
 * Proxy mode (wire protocol §8.1, RFC 3261 §16): the app hands an incoming request over with A6,
 * the engine forwards it statefully and reports each final response (S11) and the end (S12).
 */
import type pino from 'pino';
import { failureTokens } from '../control/leader';
import type { AppConnection, ProxyCommand } from '../control/types';
import type { SipRequest, SipResponse } from '../message/sip-message';
import type { CoreContext } from '../core/context';
import type { IncomingRequests } from '../core/incoming';
import type { Source } from '../transport/types';

export class ProxyCore {
  private readonly log: pino.Logger;

  constructor(
    context: CoreContext,
    private readonly incoming: IncomingRequests,
  ) {
    this.log = context.log.child({ part: 'proxy' });
  }

  /** Requests in-flight through the proxy (for leak checks). */
  get size(): number {
    return 0;
  }

  /** A6 from an app. */
  onProxy(connection: AppConnection, command: ProxyCommand): void {
    this.log.debug({ transactionId: command.transactionId, known: this.incoming.get(command.transactionId) !== undefined }, 'proxy refused');
    connection.respond(command.msgId, failureTokens('proxy is not supported by this engine yet'));
  }

  /** True when the proxy took the network request (record-routed dialog request, CANCEL of a proxied INVITE). */
  claimRequest(_request: SipRequest, _source: Source): boolean {
    return false;
  }

  /** True when a response no client transaction matched belongs to a proxied request (2xx retransmission). */
  claimStrayResponse(_response: SipResponse, _source: Source): boolean {
    return false;
  }

  onConnectionClosed(_connection: AppConnection): void {
    // Placeholder: nothing is proxied yet.
  }

  close(): void {
    // Placeholder: nothing is proxied yet.
  }
}
