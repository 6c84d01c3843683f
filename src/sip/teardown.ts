import type pino from 'pino';

/** What a registered resource is, for leak counts (`ParkApp.counts()`). */
export type ResourceKind = 'dialog' | 'media' | 'timer' | 'listener' | 'park';

export type ResourceCounts = Record<ResourceKind, number>;

/** Live resources of every call of one app, by kind. */
export class ResourceTally {
  private readonly live: ResourceCounts = { dialog: 0, media: 0, timer: 0, listener: 0, park: 0 };

  acquire(kind: ResourceKind): void {
    this.live[kind] += 1;
  }

  release(kind: ResourceKind): void {
    this.live[kind] -= 1;
  }

  snapshot(): ResourceCounts {
    return { ...this.live };
  }
}

/** A registered resource; `release()` frees it now, `forget()` when it is already gone (remote BYE). */
export interface Registration {
  release(): Promise<void>;
  forget(): void;
  readonly active: boolean;
}

type Release = () => void | Promise<unknown>;

interface Entry {
  readonly kind: ResourceKind;
  readonly label: string;
  readonly release: Release;
  active: boolean;
}

/**
 * The disposer list of one call: every dialog, media session, timer and listener is added when
 * it is created and released exactly once, in reverse order, whatever ended the call. A resource
 * added after the teardown ran is released at once, so a late createUAS or hold() cannot leak.
 */
export class Teardown {
  private readonly entries: Entry[] = [];
  private ran = false;
  private running?: Promise<void>;

  constructor(
    private readonly log: pino.Logger,
    private readonly tally?: ResourceTally,
  ) {}

  get done(): boolean {
    return this.ran;
  }

  /** Resources still registered. */
  get size(): number {
    return this.entries.filter((entry) => entry.active).length;
  }

  add(kind: ResourceKind, label: string, release: Release): Registration {
    const entry: Entry = { kind, label, release, active: true };
    this.tally?.acquire(kind);
    this.entries.push(entry);
    const registration: Registration = {
      release: () => this.releaseEntry(entry),
      forget: () => this.deactivate(entry),
      get active() {
        return entry.active;
      },
    };
    if (this.ran) void registration.release();
    return registration;
  }

  /**
   * Release everything still registered, newest first. Safe to call more than once, also while a
   * run is under way (a BYE and the domain's `ended` event often arrive together): later calls
   * wait for the same run.
   */
  run(): Promise<void> {
    this.running ??= this.releaseAll();
    return this.running;
  }

  private async releaseAll(): Promise<void> {
    this.ran = true;
    while (this.entries.length > 0) {
      const entry = this.entries.pop()!;
      await this.releaseEntry(entry);
    }
  }

  private deactivate(entry: Entry): boolean {
    if (!entry.active) return false;
    entry.active = false;
    this.tally?.release(entry.kind);
    return true;
  }

  private async releaseEntry(entry: Entry): Promise<void> {
    if (!this.deactivate(entry)) return;
    try {
      await entry.release();
    } catch (err) {
      this.log.warn({ err, resource: entry.label }, `releasing ${entry.label} failed`);
    }
  }
}
