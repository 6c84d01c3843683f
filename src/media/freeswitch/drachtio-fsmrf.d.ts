/**
 * Typings for the parts of drachtio-fsmrf 4.1.2 and drachtio-modesl 1.3.1 that callpark uses.
 * Neither package ships types; these were written from their lib/ sources (mrf.js, mediaserver.js,
 * endpoint.js; esl/Connection.js, esl/Event.js). Keep them to what src/media/freeswitch calls.
 */

declare module 'drachtio-modesl' {
  import type { EventEmitter } from 'node:events';

  export class Event {
    getHeader(name: string): string | undefined;
    getBody(): string;
  }

  /** An inbound event-socket connection; it reconnects by itself unless `closing` is set. */
  export class Connection extends EventEmitter {
    constructor(host: string, port: number, password: string, onReady: () => void);
    /** Set before closing so that the connection does not try to reconnect. */
    closing?: boolean;
    /** `retryMaxDelay` caps the reconnect back-off (ms); modesl leaves it unbounded. */
    reconnectOpts: { retryMaxDelay?: number | null; maxAttempts?: number };
    /** The pending reconnect; disconnect() does not cancel it. */
    reconnectVars: { retryTimer?: NodeJS.Timeout | null };
    api(command: string, callback: (response: Event) => void): void;
    connected(): boolean;
    disconnect(): void;
  }
}

declare module 'drachtio-fsmrf' {
  import type { EventEmitter } from 'node:events';
  import type { Connection, Event } from 'drachtio-modesl';

  namespace Mrf {
    interface ConnectOptions {
      address: string;
      port?: number;
      secret?: string;
      /** Where FreeSWITCH's outbound event-socket connections (one per endpoint) come back to. */
      listenAddress?: string;
      listenPort?: number;
      /** The address:port FreeSWITCH is told to connect to, when it differs from listenAddress:listenPort. */
      advertisedAddress?: string;
      advertisedPort?: number;
      /** SIP profile the endpoints' INVITEs go to (default drachtio_mrf). */
      profile?: string;
    }

    interface EndpointOptions {
      /** The far end's SDP offer; without it FreeSWITCH offers (3pcc) and `modify` gives it the answer. */
      remoteSdp?: string;
      codecs?: string | string[];
      headers?: Record<string, string>;
    }

    interface MediaServer extends EventEmitter {
      readonly address: string;
      readonly conn: Connection;
      connected(): boolean;
      createEndpoint(options?: EndpointOptions): Promise<Endpoint>;
      api(command: string): Promise<string>;
      disconnect(): void;
    }

    interface SipDialog {
      destroy(): unknown;
    }

    interface Endpoint extends EventEmitter {
      readonly uuid: string;
      readonly connected: boolean;
      readonly local: { sdp: string; mediaIp?: string; mediaPort?: string };
      readonly dialog: SipDialog | null;
      /** Runs a dialplan application; resolves with its CHANNEL_EXECUTE_COMPLETE event. */
      execute(app: string, arg?: string): Promise<Event>;
      /** An API command on this endpoint's own event-socket connection. */
      api(command: string, args?: string | string[]): Promise<Event>;
      /** uuid_bridge with another endpoint. */
      bridge(other: Endpoint | string): Promise<void>;
      /** Re-INVITEs FreeSWITCH with `sdp` and resolves with its answer. */
      modify(sdp: string): Promise<string>;
      /** Hangs the channel up; resolves when FreeSWITCH's BYE has ended the SIP dialog. */
      destroy(): Promise<void>;
    }
  }

  class Mrf extends EventEmitter {
    constructor(srf: object, options?: Record<string, unknown>);
    connect(options: Mrf.ConnectOptions): Promise<Mrf.MediaServer>;
  }

  export = Mrf;
}
