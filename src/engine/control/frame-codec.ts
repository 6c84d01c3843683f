/**
 * Framing of the drachtio admin socket (wire protocol §1.1): `<decimal UTF-8 byte length>#<payload>`,
 * frames back to back with no separator, identical in both directions.
 */

export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

const HASH = 0x23;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** The byte stream cannot be framed any more; the connection must be closed. */
export class FrameError extends Error {
  override readonly name: string = 'FrameError';
}

/** A length prefix announced a frame larger than the decoder accepts. */
export class FrameTooLargeError extends FrameError {
  override readonly name: string = 'FrameTooLargeError';
  constructor(
    readonly announcedBytes: number,
    readonly maxFrameBytes: number,
  ) {
    super(`frame of ${announcedBytes} bytes exceeds the limit of ${maxFrameBytes}`);
  }
}

export function encodeFrame(payload: string): Buffer {
  const payloadBytes = Buffer.byteLength(payload, 'utf8');
  const prefix = `${payloadBytes}#`;
  const frame = Buffer.allocUnsafe(prefix.length + payloadBytes);
  frame.write(prefix, 0, 'latin1');
  frame.write(payload, prefix.length, 'utf8');
  return frame;
}

/**
 * Incremental decoder for one connection. Payload bytes are only turned into a string once the
 * whole frame is buffered, so multi-byte UTF-8 sequences split across TCP reads decode correctly.
 * After a FrameError the decoder is poisoned: every later push throws again.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly maxPrefixDigits: number;
  /** Parsing the length prefix (`true`) or collecting payload bytes (`false`). */
  private readingPrefix = true;
  private prefixValue = 0;
  private prefixDigits = 0;
  private payloadBytes = 0;
  /** Payload pieces of the current frame when it spans several chunks. */
  private pieces: Buffer[] = [];
  private piecesBytes = 0;
  private failure: FrameError | undefined;

  constructor(maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 1) {
      throw new RangeError(`maxFrameBytes must be a positive integer, got ${maxFrameBytes}`);
    }
    this.maxFrameBytes = maxFrameBytes;
    this.maxPrefixDigits = String(maxFrameBytes).length;
  }

  /** Bytes of an incomplete frame currently held. */
  get bufferedBytes(): number {
    return this.piecesBytes;
  }

  /** Feed the next chunk; returns the payloads of every frame it completed, in order. */
  push(chunk: Buffer): string[] {
    if (this.failure) throw this.failure;
    const frames: string[] = [];
    let offset = 0;
    const end = chunk.length;
    while (offset < end) {
      if (this.readingPrefix) {
        offset = this.readPrefix(chunk, offset);
        continue;
      }
      const wanted = this.payloadBytes - this.piecesBytes;
      const available = end - offset;
      if (this.pieces.length === 0 && available >= wanted) {
        // Common case: the whole payload is inside this chunk, decode without copying.
        frames.push(chunk.toString('utf8', offset, offset + wanted));
        offset += wanted;
        this.startPrefix();
      } else if (available >= wanted) {
        this.pieces.push(chunk.subarray(offset, offset + wanted));
        offset += wanted;
        frames.push(Buffer.concat(this.pieces, this.payloadBytes).toString('utf8'));
        this.startPrefix();
      } else {
        // Copy: the caller may reuse its chunk buffer.
        this.pieces.push(Buffer.from(chunk.subarray(offset)));
        this.piecesBytes += available;
        offset = end;
      }
    }
    return frames;
  }

  private startPrefix(): void {
    this.readingPrefix = true;
    this.prefixValue = 0;
    this.prefixDigits = 0;
    this.payloadBytes = 0;
    this.pieces = [];
    this.piecesBytes = 0;
  }

  /** Consumes prefix bytes from `offset`; returns the new offset. */
  private readPrefix(chunk: Buffer, offset: number): number {
    const end = chunk.length;
    while (offset < end) {
      const byte = chunk[offset++]!;
      if (byte >= DIGIT_0 && byte <= DIGIT_9) {
        this.prefixDigits += 1;
        if (this.prefixDigits > this.maxPrefixDigits) {
          this.fail(new FrameError(`length prefix longer than ${this.maxPrefixDigits} digits`));
        }
        this.prefixValue = this.prefixValue * 10 + (byte - DIGIT_0);
        continue;
      }
      if (byte === HASH) {
        if (this.prefixDigits === 0) this.fail(new FrameError('empty length prefix'));
        if (this.prefixValue === 0) this.fail(new FrameError('zero-length frame'));
        if (this.prefixValue > this.maxFrameBytes) {
          this.fail(new FrameTooLargeError(this.prefixValue, this.maxFrameBytes));
        }
        this.readingPrefix = false;
        this.payloadBytes = this.prefixValue;
        return offset;
      }
      this.fail(new FrameError(`non-digit byte 0x${byte.toString(16).padStart(2, '0')} in length prefix`));
    }
    return offset;
  }

  private fail(error: FrameError): never {
    this.failure = error;
    throw error;
  }
}
