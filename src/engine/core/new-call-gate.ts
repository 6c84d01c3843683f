/**
 * Engine-level load shedding: a new INVITE (no To tag) that arrives while the SIP listeners'
 * receive queues hold more than `maxQueuedBytes` is answered 503 with Retry-After by the engine
 * itself, before any app sees it. Answering costs a fraction of setting a call up, so the backlog
 * drains, while calls already up (in-dialog requests, ACKs, BYEs) keep flowing.
 */
import type pino from 'pino';
import type { ReceiveBacklog } from '../transport/receive-backlog';

export interface NewCallGate {
  /** undefined to admit the INVITE; otherwise the Retry-After (seconds) of the 503 to send. */
  refuse(): number | undefined;
}

const LOG_INTERVAL_MS = 1000;

export class BacklogGate implements NewCallGate {
  private refusedSinceLog = 0;
  private lastLog = 0;

  constructor(
    private readonly backlog: ReceiveBacklog,
    private readonly maxQueuedBytes: number,
    private readonly retryAfterSeconds: number,
    private readonly log: pino.Logger,
    private readonly now: () => number = Date.now,
  ) {}

  refuse(): number | undefined {
    const queued = this.backlog.bytes();
    if (queued <= this.maxQueuedBytes) return undefined;
    this.refusedSinceLog += 1;
    const now = this.now();
    // One line per second at most: under overload a line per refused call would add to it.
    if (now - this.lastLog >= LOG_INTERVAL_MS) {
      this.log.warn(
        { queuedBytes: queued, maxQueuedBytes: this.maxQueuedBytes, refused: this.refusedSinceLog },
        'SIP receive queue backlog: refusing new calls with 503',
      );
      this.refusedSinceLog = 0;
      this.lastLog = now;
    }
    return this.retryAfterSeconds;
  }
}
