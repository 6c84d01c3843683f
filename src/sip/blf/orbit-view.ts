/**
 * What a busy lamp shows, read from the park domain at the moment a NOTIFY is built: one orbit,
 * or a whole lot (the park extension) listing every occupied orbit.
 */
import type { LotSummary, OrbitLampState, ParkedCallSnapshot } from '../../park';
import { dialogStateForLamp, type DialogEntry } from './dialog-info';

/** The watched thing: an orbit of a lot, or (orbit undefined) the whole lot. */
export interface BlfResource {
  /** The lot's name, which is its policy's name. */
  readonly lot: string;
  readonly orbit?: number;
}

/** The park queries the view needs (ParkService satisfies it). */
export interface ParkQueries {
  get(orbit: number, policy: string): ParkedCallSnapshot | undefined;
  lots(): LotSummary[];
}

/** Mirrors the domain's lamp: a call being retrieved still occupies its orbit. */
export function lampOf(call: ParkedCallSnapshot | undefined): OrbitLampState {
  switch (call?.state) {
    case 'parked':
    case 'retrieving':
      return 'parked';
    case 'ringingBack':
      return 'ringingBack';
    default:
      return 'free';
  }
}

function orbitDialog(park: ParkQueries, lot: string, orbit: number, entity: string): DialogEntry {
  const call = park.get(orbit, lot);
  const lamp = lampOf(call);
  const id = `park-${orbit}`;
  if (lamp === 'free' || call?.parked === undefined) return { id, state: 'terminated' };
  return {
    id,
    state: dialogStateForLamp(lamp),
    direction: lamp === 'ringingBack' ? 'initiator' : 'recipient',
    local: { identity: entity, target: entity },
    remote: { identity: call.parked.identity, display: call.parked.displayName },
  };
}

/** The <dialog> elements of a full-state document for `resource`. */
export function resourceDialogs(park: ParkQueries, resource: BlfResource, entity: string): DialogEntry[] {
  if (resource.orbit !== undefined) return [orbitDialog(park, resource.lot, resource.orbit, entity)];
  const occupied = park.lots().find((lot) => lot.name === resource.lot)?.occupied ?? [];
  const busy = occupied.map((orbit) => orbitDialog(park, resource.lot, orbit, entity)).filter((entry) => entry.state !== 'terminated');
  return busy.length > 0 ? busy : [{ id: `lot-${resource.lot}`, state: 'terminated' }];
}
