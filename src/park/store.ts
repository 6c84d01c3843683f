/**
 * Where park state lives. The in-memory store is the default; a shared store (Redis) lets several
 * instances use one orbit space, so orbit claims are compare-and-set (Redis: SET NX) and the
 * allocation cursor is per lot.
 *
 * The interface is synchronous on purpose: the service claims an orbit and writes the call's state
 * with no await in between. A networked store will need either a synchronous local mirror that it
 * replicates in the background, or an async variant of this interface with the same CAS semantics.
 */
import type { ParkedCallSnapshot } from './parked-call';

export interface ParkStore {
  /** Take `orbit` in `lot` for `callId` if nobody holds it. Returns false when it is held. */
  claimOrbit(lot: string, orbit: number, callId: string): boolean;
  /** Give `orbit` back, but only if `callId` holds it. Returns whether it was released. */
  releaseOrbit(lot: string, orbit: number, callId: string): boolean;
  orbitHolder(lot: string, orbit: number): string | undefined;
  /** Orbits held in `lot`, ascending. */
  heldOrbits(lot: string): number[];
  /** The orbit most recently handed out by `next` allocation in `lot`. */
  lastAllocated(lot: string): number | undefined;
  setLastAllocated(lot: string, orbit: number): void;
  saveCall(call: ParkedCallSnapshot): void;
  getCall(id: string): ParkedCallSnapshot | undefined;
  deleteCall(id: string): void;
  listCalls(): ParkedCallSnapshot[];
  /** Sizes, for leak checks. */
  stats(): { calls: number; orbits: number };
}

export class InMemoryParkStore implements ParkStore {
  private readonly orbits = new Map<string, Map<number, string>>();
  private readonly cursors = new Map<string, number>();
  private readonly calls = new Map<string, ParkedCallSnapshot>();

  claimOrbit(lot: string, orbit: number, callId: string): boolean {
    const held = this.lotOrbits(lot);
    if (held.has(orbit)) return false;
    held.set(orbit, callId);
    return true;
  }

  releaseOrbit(lot: string, orbit: number, callId: string): boolean {
    const held = this.orbits.get(lot);
    if (held === undefined || held.get(orbit) !== callId) return false;
    held.delete(orbit);
    if (held.size === 0) this.orbits.delete(lot);
    return true;
  }

  orbitHolder(lot: string, orbit: number): string | undefined {
    return this.orbits.get(lot)?.get(orbit);
  }

  heldOrbits(lot: string): number[] {
    return [...(this.orbits.get(lot)?.keys() ?? [])].sort((a, b) => a - b);
  }

  lastAllocated(lot: string): number | undefined {
    return this.cursors.get(lot);
  }

  setLastAllocated(lot: string, orbit: number): void {
    this.cursors.set(lot, orbit);
  }

  saveCall(call: ParkedCallSnapshot): void {
    this.calls.set(call.id, call);
  }

  getCall(id: string): ParkedCallSnapshot | undefined {
    return this.calls.get(id);
  }

  deleteCall(id: string): void {
    this.calls.delete(id);
  }

  listCalls(): ParkedCallSnapshot[] {
    return [...this.calls.values()];
  }

  stats(): { calls: number; orbits: number } {
    let orbits = 0;
    for (const held of this.orbits.values()) orbits += held.size;
    return { calls: this.calls.size, orbits };
  }

  private lotOrbits(lot: string): Map<number, string> {
    let held = this.orbits.get(lot);
    if (held === undefined) {
      held = new Map();
      this.orbits.set(lot, held);
    }
    return held;
  }
}
