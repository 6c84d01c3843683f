import type { ParkService, RetrievalGuard, RetrieveTicket } from '../../park';
import { isCountedRetrievalFailure, type RetrievalSource } from '../../park';
import type { TrustedPeers } from '../identity';

export interface GuardedRetrieveDeps {
  readonly park: ParkService;
  /** Rate limit on failed retrievals (security.retrievalLimit); absent: no limit. */
  readonly retrievalGuard?: RetrievalGuard;
  readonly trusted: TrustedPeers;
}

/**
 * `beginRetrieve` behind the RetrievalGuard, as the park app's retrieve path does it: a blocked
 * source is refused before the orbit is looked up, and a counted failure is recorded. A trusted
 * peer (the PBX) carries every user, so only the identity it asserts is counted, never its address.
 */
export function beginGuardedRetrieve(deps: GuardedRetrieveDeps, orbit: number, retriever: string, sourceAddress: string): RetrieveTicket {
  const guard = deps.retrievalGuard;
  const source: RetrievalSource = { identity: retriever, address: deps.trusted.has(sourceAddress) ? undefined : sourceAddress };
  guard?.check(source);
  try {
    return deps.park.beginRetrieve({ orbit, retriever });
  } catch (err) {
    if (guard && isCountedRetrievalFailure(err)) guard.recordFailure(source);
    throw err;
  }
}
