import { PortPool } from '../../src/media/embedded/port-pool';
import { MediaUnavailableError } from '../../src/media/types';

describe('PortPool', () => {
  it('hands out even ports with their odd neighbour inside the range', () => {
    const pool = new PortPool({ min: 10001, max: 10008 });
    expect([pool.acquire(), pool.acquire(), pool.acquire()]).toEqual([10002, 10004, 10006]);
    expect(() => pool.acquire()).toThrow(MediaUnavailableError);
  });

  it('throws MediaUnavailableError when exhausted and recovers after a release', () => {
    const pool = new PortPool({ min: 20000, max: 20003 });
    const a = pool.acquire();
    const b = pool.acquire();
    expect(pool.available).toBe(0);
    expect(() => pool.acquire()).toThrow(MediaUnavailableError);
    pool.release(a);
    expect(pool.acquire()).toBe(a);
    pool.release(b);
    pool.release(b);
    expect(pool.available).toBe(1);
    expect(pool.size).toBe(2);
  });

  it('reuses released ports last', () => {
    const pool = new PortPool({ min: 30000, max: 30005 });
    const first = pool.acquire();
    pool.release(first);
    expect(pool.acquire()).toBe(30002);
    expect(pool.acquire()).toBe(30004);
    expect(pool.acquire()).toBe(first);
  });

  it('ignores releases of ports it never gave out', () => {
    const pool = new PortPool({ min: 40000, max: 40001 });
    pool.release(40002);
    expect(pool.size).toBe(1);
  });

  it.each([
    [{ min: 5000, max: 4000 }],
    [{ min: 0, max: 10 }],
    [{ min: 60000, max: 70000 }],
    [{ min: 5001, max: 5001 }],
    [{ min: 1.5, max: 10 }],
  ])('rejects the range %j', (range) => {
    expect(() => new PortPool(range)).toThrow(RangeError);
  });
});
