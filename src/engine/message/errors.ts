import type { SipRequest } from './sip-message';

export interface SipParseErrorOptions {
  /**
   * What could be read of a request before the error: start line and header fields (no body).
   * Present when a stateless error response can be built from it (RFC 3261 §8.2.6, §16.3).
   */
  partial?: SipRequest;
  /** Status the receiver should answer with: 400, or 505 for an unsupported SIP version. */
  statusCode?: number;
}

/**
 * A message that is not valid SIP. `message` is a short human reason, safe to use as a reason
 * phrase (one line, no input echoed back).
 */
export class SipParseError extends Error {
  override readonly name: string = 'SipParseError';
  readonly partial?: SipRequest;
  readonly statusCode: number;

  constructor(reason: string, options: SipParseErrorOptions = {}) {
    super(reason);
    this.partial = options.partial;
    this.statusCode = options.statusCode ?? 400;
  }

  /** The reason phrase for the error response. */
  get reason(): string {
    return this.message;
  }
}

/**
 * A byte stream that can no longer be split into messages (over-size header block or body,
 * unusable Content-Length). The connection must be closed after an optional error response.
 */
export class FramingError extends SipParseError {
  override readonly name: string = 'FramingError';
}
