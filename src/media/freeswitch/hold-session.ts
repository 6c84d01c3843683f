import type Mrf from 'drachtio-fsmrf';
import type { Logger } from 'pino';
import { MediaUnavailableError, RemoteUpdateUnsupportedError, type HoldSession, type HoldSound } from '../types';
import { endpointCreationError } from './errors';
import type { FreeswitchSounds, FreeswitchTimeouts } from './options';
import { announcementApp, beepApp, holdSoundApp, type AppCall } from './sounds';

/** The retriever's side of a call anchored on FreeSWITCH (media.anchor: server). */
export interface AnchoredRetrieval {
  /** FreeSWITCH's answer to the retriever's offer. */
  readonly localSdp: string;
}

export interface HoldSessionDeps {
  readonly endpoint: Mrf.Endpoint;
  /** Makes the second endpoint when the call is anchored. */
  readonly createEndpoint: (remoteSdp: string) => Promise<Mrf.Endpoint>;
  readonly sounds: FreeswitchSounds;
  readonly timeouts: Pick<FreeswitchTimeouts, 'announceMs' | 'releaseMs' | 'commandMs'>;
  /** Start with this sound now (we answered an offer), or only after acceptAnswer (we offered). */
  readonly initialSound: HoldSound;
  readonly awaitingAnswer: boolean;
  readonly onReleased: (session: FreeswitchHoldSession) => void;
  readonly log: Logger;
}

/** Resolves after `ms` unless cancelled; never rejects. */
function delay(ms: number): { promise: Promise<'timeout'>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    // A deadline alone must not keep the process alive (a command lost on a dead socket arms one).
    timer.unref();
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * One parked party on a FreeSWITCH endpoint. Control operations (sound changes, announcements,
 * the answer to our offer, anchoring) run one at a time in call order; the hold sound itself is
 * an endless playback that the next operation interrupts with uuid_break.
 */
export class FreeswitchHoldSession implements HoldSession {
  readonly id: string;
  private sound: HoldSound;
  private queue: Promise<unknown> = Promise.resolve();
  private released: Promise<void> | undefined;
  private endpointGone = false;
  private anchoredTo: Mrf.Endpoint | undefined;
  private resolveEnded!: () => void;
  /** Settles when the session is released or FreeSWITCH drops the endpoint. */
  private readonly ended = new Promise<void>((resolve) => {
    this.resolveEnded = resolve;
  });

  constructor(private readonly deps: HoldSessionDeps) {
    this.id = deps.endpoint.uuid;
    this.sound = deps.initialSound;
    deps.endpoint.once('destroy', () => {
      if (this.released) return;
      this.endpointGone = true;
      this.resolveEnded();
      deps.log.error({ endpoint: this.id }, 'FreeSWITCH ended the hold endpoint; the parked party hears nothing until retrieved or released');
    });
    if (!deps.awaitingAnswer) this.enqueue(`play ${this.sound}`, () => this.startSound(false));
  }

  get localSdp(): string {
    return this.deps.endpoint.local.sdp;
  }

  /** The retriever's endpoint while the call is anchored. */
  get anchored(): boolean {
    return this.anchoredTo !== undefined;
  }

  acceptAnswer(remoteAnswer: string): void {
    this.enqueue('apply the answer', async () => {
      await this.command(this.deps.endpoint.modify(remoteAnswer), 'the re-INVITE with the answer');
      await this.startSound(false);
    });
  }

  /**
   * Not supported: FreeSWITCH answers a new offer only asynchronously (endpoint.modify), and the
   * contract is synchronous. The SIP app answers the parked party's re-INVITE with 488 and the
   * session stays as it was.
   */
  updateRemote(): string {
    throw new RemoteUpdateUnsupportedError('the FreeSWITCH hold session cannot take a new offer from the held party');
  }

  play(sound: HoldSound): void {
    this.sound = sound;
    this.enqueue(`play ${sound}`, () => this.startSound(true));
  }

  announce(digits: string): Promise<void> {
    return this.enqueue(`announce ${digits}`, () => this.interlude(announcementApp(digits, this.deps.sounds)));
  }

  beep(): Promise<void> {
    return this.enqueue('beep', () => this.interlude(beepApp(this.deps.sounds)));
  }

  /**
   * media.anchor: server. Answers the retriever's offer on a second endpoint and bridges it to the
   * parked party's endpoint inside FreeSWITCH. Rejects with a media contract error; the hold sound
   * then goes on. Both endpoints go when the session is released.
   */
  anchor(retrieverOffer: string): Promise<AnchoredRetrieval> {
    return this.serial(async (): Promise<AnchoredRetrieval> => {
      if (this.anchoredTo) throw new Error('this hold session is already anchored to a retriever');
      if (this.released || this.endpointGone) throw new MediaUnavailableError('the hold endpoint is gone');
      const other = await this.deps.createEndpoint(retrieverOffer).catch((err: unknown) => {
        throw endpointCreationError(err);
      });
      if (this.released || this.endpointGone) {
        await this.destroyEndpoint(other, 'retriever');
        throw new MediaUnavailableError('the hold endpoint went away while anchoring');
      }
      try {
        await this.breakPlayback();
        await this.command(this.deps.endpoint.bridge(other), 'uuid_bridge');
      } catch (err) {
        await this.destroyEndpoint(other, 'retriever');
        await this.startSound(false);
        throw endpointCreationError(err);
      }
      this.anchoredTo = other;
      other.once('destroy', () => this.deps.log.info({ endpoint: other.uuid }, 'retriever endpoint ended by FreeSWITCH'));
      return { localSdp: other.local.sdp };
    });
  }

  release(): Promise<void> {
    this.released ??= this.doRelease();
    return this.released;
  }

  private async doRelease(): Promise<void> {
    this.resolveEnded();
    const anchored = this.anchoredTo;
    this.anchoredTo = undefined;
    await Promise.all([anchored ? this.destroyEndpoint(anchored, 'retriever') : undefined, this.destroyEndpoint(this.deps.endpoint, 'hold')]);
    this.deps.onReleased(this);
  }

  /** Hangs an endpoint up and waits for FreeSWITCH's BYE; past the deadline, ends the SIP dialog from our side. */
  private async destroyEndpoint(endpoint: Mrf.Endpoint, role: string): Promise<void> {
    const { log, timeouts } = this.deps;
    const dialog = endpoint.dialog;
    const deadline = delay(timeouts.releaseMs);
    let clean = false;
    try {
      clean = (await Promise.race([endpoint.destroy().then(() => 'done' as const), deadline.promise])) === 'done';
    } catch (err) {
      log.warn({ err, endpoint: endpoint.uuid, role }, 'hanging up the FreeSWITCH endpoint failed');
    } finally {
      deadline.cancel();
    }
    if (clean) return;
    log.warn({ endpoint: endpoint.uuid, role }, 'no BYE from FreeSWITCH; ending the SIP dialog to it');
    try {
      dialog?.destroy();
    } catch (err) {
      log.warn({ err, endpoint: endpoint.uuid, role }, 'ending the SIP dialog to FreeSWITCH failed');
    }
  }

  /**
   * Runs `op` after every earlier operation. It stops waiting on `op` when the session ends, so a
   * command lost with a dead event socket cannot block the queue.
   */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const ended = this.ended.then((): never => {
        throw new MediaUnavailableError('the hold session ended');
      });
      ended.catch(() => undefined);
      return Promise.race([op(), ended]);
    };
    const result = this.queue.then(run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** A fire-and-forget control operation: skipped once the session is over, failures logged. */
  private enqueue(what: string, op: () => Promise<void>): Promise<void> {
    return this.serial(async () => {
      if (this.released || this.endpointGone || this.anchoredTo) return;
      await op();
    }).catch((err: unknown) => {
      if (err instanceof MediaUnavailableError && (this.released || this.endpointGone)) return;
      this.deps.log.warn({ err, endpoint: this.id }, `FreeSWITCH could not ${what}`);
    });
  }

  /** An event-socket command with a deadline (a dead connection never answers). */
  private async command<T>(pending: Promise<T>, what: string): Promise<T> {
    const deadline = delay(this.deps.timeouts.commandMs);
    try {
      const outcome = await Promise.race([pending.then((value) => ({ value })), deadline.promise]);
      if (outcome === 'timeout') throw new MediaUnavailableError(`FreeSWITCH did not answer ${what} within ${this.deps.timeouts.commandMs} ms`);
      return outcome.value;
    } finally {
      deadline.cancel();
    }
  }

  private async breakPlayback(): Promise<void> {
    await this.command(this.deps.endpoint.api('uuid_break', [this.id, 'all']), 'uuid_break');
  }

  /** Starts the current hold sound without waiting for it: it plays until broken. */
  private async startSound(interrupt: boolean): Promise<void> {
    if (interrupt) await this.breakPlayback();
    this.execute(holdSoundApp(this.sound, this.deps.sounds)).catch((err: unknown) => {
      if (!this.released) this.deps.log.warn({ err, endpoint: this.id }, 'hold sound stopped with an error');
    });
  }

  /** Interrupts the hold sound, plays `call` to its end (or the deadline, or release), then resumes the hold sound. */
  private async interlude(call: AppCall): Promise<void> {
    await this.breakPlayback();
    const deadline = delay(this.deps.timeouts.announceMs);
    try {
      const outcome = await Promise.race([this.execute(call).then(() => 'done' as const), deadline.promise, this.ended.then(() => 'ended' as const)]);
      if (outcome === 'ended') return;
      if (outcome === 'timeout') this.deps.log.warn({ endpoint: this.id, arg: call.arg }, 'announcement did not finish in time; cutting it');
    } finally {
      deadline.cancel();
    }
    await this.startSound(true);
  }

  private execute(call: AppCall): Promise<unknown> {
    return this.deps.endpoint.execute(call.app, call.arg);
  }
}
