/** Refusals that belong to the SIP layer itself (the park domain and media have their own). */

/** RFC 3891 §3: a Replaces naming no dialog we hold is answered 481. */
export class ReplacedDialogNotFoundError extends Error {
  override readonly name = 'ReplacedDialogNotFoundError';
  constructor(readonly replaces: string) {
    super(`Replaces names no dialog of ours: ${replaces}`);
  }
}

/** The parked party refused the re-INVITE that connects it to a retriever or its parker. */
export class ParkedPartyRefusedError extends Error {
  override readonly name = 'ParkedPartyRefusedError';
  constructor(readonly status: number | undefined) {
    super(status === undefined ? 'parked party did not answer the re-INVITE' : `parked party answered the re-INVITE with ${status}`);
  }
}

/** The request carries no SDP offer; park and retrieve need one (late offer is not supported). */
export class OfferRequiredError extends Error {
  override readonly name = 'OfferRequiredError';
  constructor() {
    super('INVITE without an SDP offer');
  }
}

/** The app is stopping and takes no new calls. */
export class AppStoppingError extends Error {
  override readonly name = 'AppStoppingError';
  constructor() {
    super('call park is stopping');
  }
}

/** The Request-URI is neither the park extension nor an orbit of any lot. */
export class NotParkTargetError extends Error {
  override readonly name = 'NotParkTargetError';
  constructor(readonly target: string) {
    super(`${target || '(no user part)'} is not a park extension or orbit`);
  }
}

/** A phone we called for the parked party (admin retrieve-to) did not answer. */
export class PhoneNotAnsweredError extends Error {
  override readonly name = 'PhoneNotAnsweredError';
  constructor(
    readonly uri: string,
    readonly status: number | undefined,
  ) {
    super(status === undefined ? `${uri} did not answer` : `${uri} answered ${status}`);
  }
}
