/** Bearer-token check for the admin API (RFC 6750), in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Compares `presented` with the configured token. Both sides are hashed first so the compare
 * takes the same time whatever the lengths, and never leaks the token's length.
 */
export class BearerToken {
  private readonly expected: Buffer;

  constructor(token: string) {
    if (token === '') throw new RangeError('the admin token must not be empty');
    this.expected = digest(token);
  }

  matches(presented: string | undefined): boolean {
    return presented !== undefined && timingSafeEqual(digest(presented), this.expected);
  }
}

/** The token from `Authorization: Bearer …`, or undefined. */
export function bearerFromHeader(req: http.IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match === null ? undefined : match[1];
}
