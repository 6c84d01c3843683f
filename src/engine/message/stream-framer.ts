/**
 * Splits a stream transport's bytes (TCP, TLS) into SIP messages by Content-Length
 * (RFC 3261 §18.3), skipping RFC 5626 CRLF keep-alives between messages.
 */
import { FramingError, SipParseError } from './errors';
import { parseMessage } from './parser';
import { SipRequest, type AnySipMessage } from './sip-message';

export type FramedItem = { message: AnySipMessage; bytes: number } | { error: SipParseError; bytes: number };

export interface StreamFramerOptions {
  /** Largest header block, and largest header block plus body, accepted. Default 65536. */
  maxMessageBytes?: number;
  /** Called for each CRLFCRLF keep-alive ping (RFC 5626 §3.5.1); the transport answers with CRLF. */
  onKeepAlive?: () => void;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

type ContentLength = { kind: 'absent' } | { kind: 'invalid' } | { kind: 'value'; length: number };

export class StreamFramer {
  private pending: Buffer = EMPTY;
  /** Bytes of the pending message already searched for the end of its header block. */
  private scanned = 0;
  private failed = false;
  private readonly maxMessageBytes: number;
  private readonly onKeepAlive: (() => void) | undefined;

  constructor(options: StreamFramerOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? 65536;
    this.onKeepAlive = options.onKeepAlive;
  }

  /**
   * Add received bytes; returns every message (or per-message error) completed by them.
   * Throws FramingError when the stream cannot be framed any more; the connection must be closed.
   */
  push(chunk: Buffer): FramedItem[] {
    if (this.failed) throw new FramingError('Stream already failed');
    try {
      return this.frame(this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]));
    } catch (error) {
      if (error instanceof FramingError) this.failed = true;
      throw error;
    }
  }

  private frame(buf: Buffer): FramedItem[] {
    const items: FramedItem[] = [];
    let pos = 0;
    while (pos < buf.length) {
      const afterKeepAlives = this.skipKeepAlives(buf, pos);
      if (afterKeepAlives === -1) break;
      if (afterKeepAlives !== pos) {
        pos = afterKeepAlives;
        this.scanned = 0;
        continue;
      }

      const headEnd = buf.indexOf(CRLFCRLF, pos + Math.max(0, this.scanned - 3));
      if (headEnd === -1) {
        if (buf.length - pos > this.maxMessageBytes) throw new FramingError('Header block too large');
        this.scanned = buf.length - pos;
        break;
      }
      const headBytes = headEnd + 4 - pos;
      if (headBytes > this.maxMessageBytes) throw new FramingError('Header block too large');

      const contentLength = contentLengthOf(buf.toString('latin1', pos, headEnd));
      if (contentLength.kind === 'invalid') {
        throw new FramingError('Malformed Content-Length', { partial: partialOf(buf.subarray(pos, pos + headBytes)) });
      }
      if (contentLength.kind === 'absent') {
        // RFC 3261 §18.3: Content-Length MUST be used with stream transports.
        const partial = partialOf(buf.subarray(pos, pos + headBytes));
        items.push({ error: new SipParseError('Missing Content-Length', { partial }), bytes: headBytes });
        pos += headBytes;
        this.scanned = 0;
        continue;
      }
      const total = headBytes + contentLength.length;
      if (total > this.maxMessageBytes) {
        throw new FramingError('Message too large', { partial: partialOf(buf.subarray(pos, pos + headBytes)) });
      }
      if (buf.length - pos < total) {
        this.scanned = headEnd - pos;
        break;
      }
      items.push(parseFramed(buf.subarray(pos, pos + total)));
      pos += total;
      this.scanned = 0;
    }
    this.pending = pos >= buf.length ? EMPTY : buf.subarray(pos);
    return items;
  }

  /**
   * Skip CR/LF octets before a message, reporting each CRLFCRLF ping. Returns the new position,
   * or -1 when the buffer ends inside the run (a ping may be split across chunks).
   */
  private skipKeepAlives(buf: Buffer, pos: number): number {
    let end = pos;
    while (end < buf.length && (buf[end] === 0x0d || buf[end] === 0x0a)) end++;
    if (end === pos) return pos;
    let p = pos;
    while (p + 4 <= end && buf[p] === 0x0d && buf[p + 1] === 0x0a && buf[p + 2] === 0x0d && buf[p + 3] === 0x0a) {
      this.onKeepAlive?.();
      p += 4;
    }
    if (end === buf.length) return p === pos ? -1 : p;
    return end;
  }
}

function parseFramed(frame: Buffer): FramedItem {
  try {
    return { message: parseMessage(frame), bytes: frame.length };
  } catch (error) {
    if (error instanceof SipParseError) return { error, bytes: frame.length };
    throw error;
  }
}

/** A request readable from a header block alone, for an error response before closing. */
function partialOf(head: Buffer): SipRequest | undefined {
  try {
    const message = parseMessage(head);
    return message instanceof SipRequest ? message : undefined;
  } catch (error) {
    if (error instanceof SipParseError) return error.partial;
    throw error;
  }
}

/** Content-Length (or compact `l`) from a header block in latin1 text, folding understood. */
function contentLengthOf(head: string): ContentLength {
  let value: string | undefined;
  let inContentLength = false;
  let pos = head.indexOf('\n') + 1;
  if (pos === 0) return { kind: 'absent' };
  let result: ContentLength = { kind: 'absent' };
  const finish = (): ContentLength | undefined => {
    if (value === undefined) return undefined;
    const text = value.trim();
    value = undefined;
    if (!/^[0-9]{1,10}$/.test(text)) return { kind: 'invalid' };
    const length = Number(text);
    if (result.kind === 'value' && result.length !== length) return { kind: 'invalid' };
    result = { kind: 'value', length };
    return undefined;
  };
  while (pos < head.length) {
    let newline = head.indexOf('\n', pos);
    if (newline === -1) newline = head.length;
    const line = head.slice(pos, newline);
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      if (inContentLength) value += ' ' + line;
    } else {
      const failed = finish();
      if (failed !== undefined) return failed;
      const colon = line.indexOf(':');
      const name = colon === -1 ? '' : line.slice(0, colon).trim().toLowerCase();
      inContentLength = name === 'content-length' || name === 'l';
      if (inContentLength) value = line.slice(colon + 1);
    }
    pos = newline + 1;
  }
  return finish() ?? result;
}
