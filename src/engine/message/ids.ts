/** Identifiers for new requests: branch (RFC 3261 §8.1.1.7), tag (§19.3) and Call-ID (§8.1.1.4). */
import { randomBytes } from 'node:crypto';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;
let counter = 0;

/** Hex text of `bytes` random bytes, drawn from a pool refilled 4 KiB at a time. */
function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/** A process-wide counter keeps ids unique even if the random part ever repeated. */
function nextCount(): string {
  counter = counter >= Number.MAX_SAFE_INTEGER ? 1 : counter + 1;
  return counter.toString(36);
}

/** `z9hG4bK` magic cookie followed by a unique part. */
export function newBranch(): string {
  return 'z9hG4bK' + randomHex(8) + nextCount();
}

export function newTag(): string {
  return randomHex(6) + nextCount();
}

export function newCallId(): string {
  return randomHex(12) + '-' + nextCount();
}

/** Fixed for the life of the process so that ids from two runs of the engine never collide. */
const PROCESS_PREFIX = randomBytes(6).toString('hex');
let uniqueCounter = 0;

/**
 * An opaque id unique within this process and very likely across processes: a random per-process
 * prefix and a counter. Token-safe (hex, `-`, base-36), cheap enough to make for every frame.
 */
export function newUniqueId(): string {
  uniqueCounter = uniqueCounter >= Number.MAX_SAFE_INTEGER ? 1 : uniqueCounter + 1;
  return `${PROCESS_PREFIX}-${uniqueCounter.toString(36)}`;
}
