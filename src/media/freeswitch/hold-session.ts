import type Mrf from 'drachtio-fsmrf';
import type { Logger } from 'pino';
import type { HoldSession, HoldSound } from '../types';
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
  readonly timeouts: Pick<FreeswitchTimeouts, 'announceMs' | 'releaseMs'>;
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
      await this.deps.endpoint.modify(remoteAnswer);
      await this.startSound(false);
    });
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
    const run = async (): Promise<AnchoredRetrieval> => {
      if (this.anchoredTo) throw new Error('this hold session is already anchored to a retriever');
      let other: Mrf.Endpoint;
      try {
        other = await this.deps.createEndpoint(retrieverOffer);
      } catch (err) {
        throw endpointCreationError(err);
      }
      if (this.released) {
        await this.destroyEndpoint(other, 'retriever');
        throw endpointCreationError(new Error('hold session released while anchoring'));
      }
      try {
        await this.breakPlayback();
        await this.deps.endpoint.bridge(other);
      } catch (err) {
        await this.destroyEndpoint(other, 'retriever');
        await this.startSound(false);
        throw endpointCreationError(err);
      }
      this.anchoredTo = other;
      other.once('destroy', () => this.deps.log.info({ endpoint: other.uuid }, 'retriever endpoint ended by FreeSWITCH'));
      return { localSdp: other.local.sdp };
    };
    const result = this.queue.then(run);
    this.queue = result.catch(() => undefined);
    return result;
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

  /** Runs `op` after every earlier operation; failures are logged and never reach the caller's event loop. */
  private enqueue(what: string, op: () => Promise<void>): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.released || this.endpointGone || this.anchoredTo) return;
      try {
        await op();
      } catch (err) {
        this.deps.log.warn({ err, endpoint: this.id }, `FreeSWITCH could not ${what}`);
      }
    };
    const next = this.queue.then(run);
    this.queue = next;
    return next;
  }

  private async breakPlayback(): Promise<void> {
    await this.deps.endpoint.api('uuid_break', [this.id, 'all']);
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
