import { MediaUnavailableError } from '../types';

export interface PortRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Even RTP ports from a range (RFC 3550 §11: RTP on even, RTCP on the next odd port, which is
 * kept free too). Released ports go to the back of the queue, so a port is not reused at once
 * and late packets of an old call do not reach the next one.
 */
export class PortPool {
  private readonly free: number[] = [];
  private readonly taken = new Set<number>();

  constructor(range: PortRange) {
    const { min, max } = range;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max) {
      throw new RangeError(`invalid RTP port range ${min}-${max}`);
    }
    for (let port = min % 2 === 0 ? min : min + 1; port + 1 <= max; port += 2) this.free.push(port);
    if (this.free.length === 0) throw new RangeError(`RTP port range ${min}-${max} holds no even/odd port pair`);
  }

  get available(): number {
    return this.free.length;
  }

  get size(): number {
    return this.free.length + this.taken.size;
  }

  acquire(): number {
    const port = this.free.shift();
    if (port === undefined) throw new MediaUnavailableError(`no free RTP port (all ${this.taken.size} in use)`);
    this.taken.add(port);
    return port;
  }

  /** Returns a port; releasing a port that is not taken is a no-op. */
  release(port: number): void {
    if (this.taken.delete(port)) this.free.push(port);
  }
}
