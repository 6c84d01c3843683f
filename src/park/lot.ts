/**
 * A parking lot: one per policy, owning the orbit codes pickupRangeStart..pickupRangeEnd.
 * Lots are named after their policy, so two policies may use the same codes without colliding.
 * Occupancy lives in the store; the lot decides which orbit to hand out.
 */
import { OrbitOccupiedError, OrbitOutOfRangeError } from './errors';
import type { ParkPolicy } from './policy';
import type { ParkStore } from './store';

export class Lot {
  constructor(
    readonly policy: ParkPolicy,
    private readonly store: ParkStore,
  ) {}

  get name(): string {
    return this.policy.name;
  }

  get size(): number {
    return this.policy.pickupRangeEnd - this.policy.pickupRangeStart + 1;
  }

  contains(orbit: number): boolean {
    return Number.isSafeInteger(orbit) && orbit >= this.policy.pickupRangeStart && orbit <= this.policy.pickupRangeEnd;
  }

  /**
   * Claim a free orbit for `callId` by the policy's allocation: `first` free from the start of the
   * range, or `next` free after the last one handed out, wrapping round. Undefined when full.
   */
  allocate(callId: string): number | undefined {
    const { pickupRangeStart: start, pickupRangeEnd: end, allocation } = this.policy;
    const last = this.store.lastAllocated(this.name);
    const from = allocation === 'next' && last !== undefined && last >= start && last < end ? last + 1 : start;
    for (let i = 0; i < this.size; i++) {
      const orbit = from + i > end ? from + i - this.size : from + i;
      if (this.store.claimOrbit(this.name, orbit, callId)) {
        if (allocation === 'next') this.store.setLastAllocated(this.name, orbit);
        return orbit;
      }
    }
    return undefined;
  }

  /** Claim a chosen orbit (directed park). */
  claim(orbit: number, callId: string): void {
    if (!this.contains(orbit)) {
      throw new OrbitOutOfRangeError(orbit, this.name, this.policy.pickupRangeStart, this.policy.pickupRangeEnd);
    }
    if (!this.store.claimOrbit(this.name, orbit, callId)) throw new OrbitOccupiedError(orbit, this.name);
  }

  /** Release an orbit held by `callId`; a stale release (someone else holds it now) does nothing. */
  release(orbit: number, callId: string): boolean {
    return this.store.releaseOrbit(this.name, orbit, callId);
  }

  /** The id of the call holding `orbit`, if any. */
  occupant(orbit: number): string | undefined {
    return this.store.orbitHolder(this.name, orbit);
  }

  occupiedOrbits(): number[] {
    return this.store.heldOrbits(this.name);
  }

  freeCount(): number {
    return this.size - this.occupiedOrbits().length;
  }
}

/** Parse a dialled orbit code: digits only, no leading zero (so `0704` is not `704`). */
export function parseOrbitCode(code: string | number): number | undefined {
  if (typeof code === 'number') return Number.isSafeInteger(code) && code >= 0 ? code : undefined;
  if (!/^(0|[1-9][0-9]{0,14})$/.test(code)) return undefined;
  return Number(code);
}

/** The lots whose range contains `code` (several when policies reuse numbers). */
export function lotsContaining(lots: Iterable<Lot>, code: string | number): Lot[] {
  const orbit = parseOrbitCode(code);
  if (orbit === undefined) return [];
  return [...lots].filter((lot) => lot.contains(orbit));
}
