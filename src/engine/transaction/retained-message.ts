import { serializeMessage } from '../message/serializer';
import type { AnySipMessage } from '../message/sip-message';

/**
 * A message a transaction keeps only to re-send it (the last response of a completed server
 * transaction, the ACK of a non-2xx): its wire bytes as a latin1 string (one byte per char, lossless
 * for any body). Completed transactions live 32 s on UDP, tens of thousands at high rates; a small
 * string stays in V8's compacting heap, whereas the parsed message holds a few KiB of objects and a
 * small Buffer would pin a whole 8 KiB pool slab or a malloc block for that long.
 */
export class RetainedMessage {
  private constructor(private readonly wire: string) {}

  static of(message: AnySipMessage): RetainedMessage {
    return new RetainedMessage(serializeMessage(message).toString('latin1'));
  }

  bytes(): Buffer {
    return Buffer.from(this.wire, 'latin1');
  }
}
