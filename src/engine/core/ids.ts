/**
 * Ids the core hands to apps. Branches, tags and Call-IDs come from the message layer
 * (`newBranch`, `newTag`, `newCallId` in src/engine/message).
 */
import { newUniqueId } from '../message/ids';

/** Transaction ids handed to apps (wire protocol §6.2): opaque, token-safe, unique (srf needs nothing more). */
export function newTransactionId(): string {
  return newUniqueId();
}

/** A first local CSeq number: arbitrary, below 2**31 (RFC 3261 §8.1.1.5). */
export function initialCSeq(): number {
  return 1 + Math.floor(Math.random() * 100_000_000);
}

/** Dialog id (wire protocol §6.3): `<Call-ID>;from-tag=<tag of the dialog-creating request's From>`. */
export function dialogIdOf(callId: string, creatingFromTag: string): string {
  return `${callId};from-tag=${creatingFromTag}`;
}
