/**
 * Contract between the drachtio control socket (framing, authentication, routing) and the SIP core.
 * Wire format: docs/drachtio-wire-protocol.md (../shared/docs in the design repo), §1–§3.
 */

/** One authenticated drachtio-srf (or other drachtio app) connection. */
export interface AppConnection {
  /** Engine-local id, for logs and for dialog ownership. */
  readonly id: string;
  readonly tags: readonly string[];
  /** True once the socket has closed; frames pushed after that are dropped. */
  readonly closed: boolean;
  /**
   * Reply to an app frame: writes `<newId>|response|<rid>|<tokens joined by |>` and, when sipText
   * is given, CRLF + sipText. Every app frame gets exactly one reply (proxy: N `continue` + `done`).
   */
  respond(rid: string, tokens: readonly string[], sipText?: string): void;
  /** A server-originated frame: `<newId>|<tokens joined by |>` [CRLF sipText] (S1–S4). */
  push(tokens: readonly string[], sipText?: string): void;
}

/** What the core receives from apps. The control server has already answered authenticate/route/ping. */
export interface AppCommandHandler {
  /** `<msgId>|sip|<txnId>|<dialogId>[|<routeUri>]` CRLF sipText (A5). */
  onSip(connection: AppConnection, command: SipCommand): void;
  /** `<msgId>|proxy|…` CRLF pseudo-request (A6). `tokens` are the leader tokens after `proxy`. */
  onProxy(connection: AppConnection, command: ProxyCommand): void;
  /** The socket closed: the core forgets pending work owned by it. */
  onConnectionClosed(connection: AppConnection): void;
}

export interface SipCommand {
  msgId: string;
  transactionId: string;
  dialogId: string;
  /** Optional 5th token: outbound proxy / route URI, `sip:` prefixed when it had no scheme. */
  routeUri?: string;
  /** The SIP message text after the first CRLF of the payload. */
  sipText: string;
}

export interface ProxyCommand {
  msgId: string;
  transactionId: string;
  recordRoute: boolean;
  fullResponse: boolean;
  followRedirects: boolean;
  simultaneous: boolean;
  /** Milliseconds, undefined when empty. */
  provisionalTimeout?: number;
  finalTimeout?: number;
  destinations: string[];
  sipText: string;
}
