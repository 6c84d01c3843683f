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
  /**
   * Unframed bytes are buffer[0, length). The buffer grows by doubling (a slow sender trickling
   * bytes costs linear, not quadratic, copying) and is replaced, never overwritten, once messages
   * were cut from it: their bodies share its memory.
   */
  private buffer: Buffer = EMPTY;
  private length = 0;
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
    let data = chunk;
    const fromChunk = this.length === 0;
    if (!fromChunk) {
      this.append(chunk);
      data = this.buffer.subarray(0, this.length);
    }
    const items: FramedItem[] = [];
    let consumed: number;
    try {
      consumed = this.frame(data, items);
    } catch (error) {
      if (error instanceof FramingError) this.failed = true;
      throw error;
    }
    this.keep(data, consumed, fromChunk);
    return items;
  }

  private append(chunk: Buffer): void {
    const needed = this.length + chunk.length;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    chunk.copy(this.buffer, this.length);
    this.length = needed;
  }

  /** Keep data[consumed, end) for the next push. */
  private keep(data: Buffer, consumed: number, fromChunk: boolean): void {
    const remaining = data.length - consumed;
    if (remaining === 0) {
      this.buffer = EMPTY;
      this.length = 0;
    } else if (fromChunk || consumed > 0) {
      const own = Buffer.allocUnsafe(Math.max(4096, remaining * 2));
      data.copy(own, 0, consumed);
      this.buffer = own;
      this.length = remaining;
    }
  }

  /** Cut messages from buf into items; returns the number of bytes consumed. */
  private frame(buf: Buffer, items: FramedItem[]): number {
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
    return pos;
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
