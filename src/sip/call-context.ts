import type pino from 'pino';
import { Teardown, type ResourceTally } from './teardown';

/** The caller sent CANCEL: the engine has already answered 487, so no response is owed. */
export class CallCanceledError extends Error {
  override readonly name = 'CallCanceledError';
  constructor() {
    super('caller canceled the INVITE');
  }
}

/** One call as the app sees it: its logger, its resources, and whether the caller gave up. */
export class CallContext {
  readonly teardown: Teardown;
  private logger: pino.Logger;
  private canceledFlag = false;
  private orbitBound?: number;

  constructor(
    readonly callId: string,
    parentLog: pino.Logger,
    tally?: ResourceTally,
  ) {
    this.logger = parentLog.child({ callId });
    this.teardown = new Teardown(this.logger, tally);
  }

  get log(): pino.Logger {
    return this.logger;
  }

  get orbit(): number | undefined {
    return this.orbitBound;
  }

  /** Add the orbit to every later log line of this call, once it is known. */
  bindOrbit(orbit: number): void {
    if (this.orbitBound === orbit) return;
    this.orbitBound = orbit;
    this.logger = this.logger.child({ orbit });
  }

  bindPolicy(policy: string): void {
    this.logger = this.logger.child({ policy });
  }

  /** bindOrbit and bindPolicy with one child logger (pino's child() is a cost per call). */
  bindOrbitAndPolicy(orbit: number, policy: string): void {
    if (this.orbitBound === orbit) {
      this.bindPolicy(policy);
      return;
    }
    this.orbitBound = orbit;
    this.logger = this.logger.child({ orbit, policy });
  }

  markCanceled(): void {
    this.canceledFlag = true;
  }

  get canceled(): boolean {
    return this.canceledFlag;
  }

  /** Call after every await in an INVITE flow, before committing anything. */
  throwIfCanceled(): void {
    if (this.canceledFlag) throw new CallCanceledError();
  }
}
