import { randomBytes, randomUUID } from 'node:crypto';

/** Transaction ids handed to apps (wire protocol §6.2): opaque UUID v4 strings. */
export function newTransactionId(): string {
  return randomUUID();
}

/** RFC 3261 §8.1.1.7: branch parameters start with the magic cookie. */
export function newBranch(): string {
  return `z9hG4bK${randomBytes(8).toString('hex')}`;
}

/** RFC 3261 §19.3: a tag of at least 32 bits of randomness. */
export function newTag(): string {
  return randomBytes(6).toString('hex');
}

/** A Call-ID in the `xxxxxxxx-xxxx-…` style sofia-sip (and so drachtio-server) produces. */
export function newCallId(): string {
  return randomUUID();
}

/** A first local CSeq number: arbitrary, below 2**31 (RFC 3261 §8.1.1.5). */
export function initialCSeq(): number {
  return 1 + Math.floor(Math.random() * 100_000_000);
}

/** Dialog id (wire protocol §6.3): `<Call-ID>;from-tag=<tag of the dialog-creating request's From>`. */
export function dialogIdOf(callId: string, creatingFromTag: string): string {
  return `${callId};from-tag=${creatingFromTag}`;
}
