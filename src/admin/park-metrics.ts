/**
 * Counters of park facts, fed by ParkEvents (Asterisk: the manager subscribes to the parking
 * topic). Create it right after the ParkService, so nothing that happens before the admin server
 * listens goes uncounted.
 */
import type { EndReason, ParkService } from '../park';

export class ParkCounters {
  readonly parks = new Map<string, number>();
  readonly retrievals = new Map<string, number>();
  readonly ringbacks = new Map<string, number>();
  readonly ended = new Map<EndReason, number>();
  /** Retrievals that began but could not connect (the call stayed parked). */
  readonly retrievalsNotConnected = new Map<string, number>();
  private readonly unsubscribe: Array<() => void>;

  constructor(park: ParkService) {
    this.unsubscribe = [
      park.on('parked', ({ call }) => increment(this.parks, call.lot)),
      park.on('retrieved', ({ call }) => increment(this.retrievals, call.lot)),
      park.on('ringback', ({ call }) => increment(this.ringbacks, call.lot)),
      park.on('retrieveFailed', ({ call }) => increment(this.retrievalsNotConnected, call.lot)),
      park.on('ended', ({ reason }) => increment(this.ended, reason)),
    ];
  }

  /** Stop listening; the counts stay readable. */
  detach(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }
}

function increment<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
