/** RFC 3261 §16.7 step 6: which final response a forking proxy sends upstream when no 2xx came. */
import type { SipResponse } from '../message/sip-message';

/**
 * A 6xx wins; otherwise the lowest response class, earliest first within a class. Undefined for
 * an empty list (the caller then answers 408 itself).
 */
export function chooseBestResponse(finals: readonly SipResponse[]): SipResponse | undefined {
  const global = finals.find((response) => response.status >= 600);
  if (global !== undefined) return global;
  let best: SipResponse | undefined;
  for (const response of finals) {
    if (best === undefined || Math.floor(response.status / 100) < Math.floor(best.status / 100)) best = response;
  }
  return best;
}
