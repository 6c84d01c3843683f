import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of the admin secret. Both sides are hashed first so that
 * timingSafeEqual always compares equal-length buffers and the secret's length does not leak.
 */
export function secretMatches(expected: string, offered: string): boolean {
  const expectedDigest = createHash('sha256').update(expected, 'utf8').digest();
  const offeredDigest = createHash('sha256').update(offered, 'utf8').digest();
  return timingSafeEqual(expectedDigest, offeredDigest);
}
