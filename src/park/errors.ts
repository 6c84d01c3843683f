/**
 * Refusals of the park domain. Each is a class (match with instanceof), carries the data it is
 * about, and a plain-language `reasonText` the SIP app may put in a reason phrase. Status codes
 * belong to the SIP layer, not here.
 */
import type { ParkedCallState } from './parked-call-state';

export abstract class ParkError extends Error {
  /** Short text for people: a SIP reason phrase, a log line, an API error. */
  abstract readonly reasonText: string;
}

/** The identity has no policy, or its policy does not allow call park. */
export class ParkNotAllowedError extends ParkError {
  override readonly name = 'ParkNotAllowedError';
  readonly reasonText = 'Call park not allowed';
  constructor(
    readonly identity: string,
    readonly policy: string | undefined,
  ) {
    super(`call park not allowed for ${identity}`);
  }
}

/** The orbit holds a call parked under another policy than the caller's. */
export class NotInParkGroupError extends ParkError {
  override readonly name = 'NotInParkGroupError';
  readonly reasonText = 'Not in this park group';
  constructor(
    readonly identity: string,
    readonly orbit: number,
  ) {
    super(`${identity} is not in the park group of orbit ${orbit}`);
  }
}

export class OrbitEmptyError extends ParkError {
  override readonly name = 'OrbitEmptyError';
  readonly reasonText: string;
  constructor(
    readonly orbit: number,
    readonly policy: string,
  ) {
    super(`no call parked at ${orbit} in lot ${policy}`);
    this.reasonText = `No call parked at ${orbit}`;
  }
}

export class OrbitOccupiedError extends ParkError {
  override readonly name = 'OrbitOccupiedError';
  readonly reasonText: string;
  constructor(
    readonly orbit: number,
    readonly policy: string,
  ) {
    super(`orbit ${orbit} in lot ${policy} is occupied`);
    this.reasonText = `Orbit ${orbit} is occupied`;
  }
}

/** Every orbit of the lot is taken. `retryAfterSeconds` estimates when one frees up. */
export class LotFullError extends ParkError {
  override readonly name = 'LotFullError';
  readonly reasonText = 'All park orbits are busy';
  constructor(
    readonly policy: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`lot ${policy} is full`);
  }
}

export class OrbitOutOfRangeError extends ParkError {
  override readonly name = 'OrbitOutOfRangeError';
  readonly reasonText: string;
  constructor(
    readonly orbit: number,
    readonly policy: string,
    readonly rangeStart: number,
    readonly rangeEnd: number,
  ) {
    super(`orbit ${orbit} is outside lot ${policy} (${rangeStart}-${rangeEnd})`);
    this.reasonText = `No orbit ${orbit} in this park group`;
  }
}

export type RetrieveConflict = 'retrieving' | 'ringingBack';

/** Someone else got there first: the call is being retrieved, or is ringing back to its parker. */
export class AlreadyRetrievingError extends ParkError {
  override readonly name = 'AlreadyRetrievingError';
  readonly reasonText: string;
  constructor(
    readonly orbit: number,
    readonly policy: string,
    readonly conflict: RetrieveConflict,
  ) {
    super(`call at orbit ${orbit} in lot ${policy} is ${conflict === 'retrieving' ? 'being retrieved' : 'ringing back'}`);
    this.reasonText =
      conflict === 'retrieving' ? `Call at ${orbit} is already being retrieved` : `Call at ${orbit} is ringing back to the parker`;
  }
}

/** An operation that the call's current state does not allow (an illegal edge, a stale ticket). */
export class ParkStateError extends ParkError {
  override readonly name = 'ParkStateError';
  readonly reasonText = 'Parked call is no longer available';
  constructor(
    readonly callId: string,
    readonly state: ParkedCallState,
    readonly attempted: string,
  ) {
    super(`parked call ${callId}: cannot ${attempted} in state ${state}`);
  }
}

export class ParkedCallNotFoundError extends ParkError {
  override readonly name = 'ParkedCallNotFoundError';
  readonly reasonText = 'No such parked call';
  constructor(readonly callId: string) {
    super(`no parked call ${callId}`);
  }
}

/** The service is draining or stopped and takes no new parks. */
export class ParkDrainingError extends ParkError {
  override readonly name = 'ParkDrainingError';
  readonly reasonText = 'Call park is shutting down';
  constructor() {
    super('call park is draining');
  }
}
